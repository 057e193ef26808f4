package io.earshot.fuzz;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.earshot.config.EarshotConfig;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.ClientMessageDecoder;
import io.earshot.protocol.ProtocolDecodeException;
import jakarta.websocket.DecodeException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any text a client sends decodes to a {@link ClientMessage} or fails with a {@link ProtocolDecodeException}
 * carrying the error the client is told, in bounded time. Anything else thrown is a bug.
 */
class ClientMessageDecoderFuzzTest {

    private final ClientMessageDecoder decoder = new ClientMessageDecoder(EarshotConfig.current().maxTextMessage);

    @BeforeAll
    static void configure() throws Exception {
        FuzzRun.configure();
        // Loading Jackson is not the decoder's time: take it before the first timed input.
        new ClientMessageDecoder(EarshotConfig.current().maxTextMessage).decode("{\"type\":\"ping\",\"ts\":1}");
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"\"type\"", "\"start\"", "\"end\"", "\"ping\"", "\"pause\"", "\"resume\"", "\"mark\"",
        "\"codecs\"", "\"sample_rate\"", "\"channels\"", "\"features\"", "\"durability\"", "\"limits\"",
        "\"transcribe\"", "\"handoff\"", "\"align\"", "\"diarize\"", "\"ts\"", "\"name\"", "\"session_id\"",
        "\"resume_token\"", "\"last_event_seq\"", "\"max_session_duration_ms\"", "\"idle_timeout_ms\"",
        "\"resume_grace_ms\"", "\"heartbeat_interval_ms\"", "\"opus\"", "\"pcm_s16le\"", "null", "true",
        "false", "1e999", "-0", "[]", "{}", "\\u0000"})
    void decode(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            assertNotNull(decoder.decode(text), "decoded to null");
        } catch (ProtocolDecodeException e) {
            assertNotNull(e.error(), "no error for the client");
            assertTrue(e.error().message() != null && !e.error().message().isBlank(), "no message for the client");
        } catch (DecodeException e) {
            throw new AssertionError("a DecodeException without the client's error: " + e, e);
        }
        FuzzRun.assertFast(start);
    }
}
