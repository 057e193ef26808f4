package io.earshot.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.earshot.config.EarshotConfig;
import io.earshot.protocol.AudioFrame.FrameFormatException;
import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.AudioFrameDecoder;
import io.earshot.protocol.ProtocolDecodeException;
import jakarta.websocket.DecodeException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any binary message parses to a frame whose chunks exactly fill it, or fails with a
 * {@link FrameFormatException} (a {@link ProtocolDecodeException} from the WebSocket decoder). The message is
 * also parsed from the middle of a larger buffer, as a WebSocket implementation may hand it over, and must
 * parse the same.
 */
class AudioFrameFuzzTest {

    private final AudioFrameDecoder decoder = new AudioFrameDecoder(EarshotConfig.current().maxBinaryPayload);

    @BeforeAll
    static void configure() throws Exception {
        FuzzRun.configure();
        // Class loading and configuration are not the parser's time: take them before the first timed input.
        new AudioFrameDecoder(EarshotConfig.current().maxBinaryPayload).decode(AudioFrame.encode(1, new byte[] {1}));
    }

    @FuzzTest(maxDuration = "10s")
    void parse(byte[] input) {
        long start = System.nanoTime();
        AudioFrame frame = parseOrNull(ByteBuffer.wrap(input), input.length);
        byte[] padded = new byte[input.length + 7];
        System.arraycopy(input, 0, padded, 3, input.length);
        ByteBuffer inside = ByteBuffer.wrap(padded, 3, input.length);
        AudioFrame again = parseOrNull(inside, input.length);
        assertEquals(3, inside.position(), "the caller's buffer was moved");
        assertEquals(frame == null, again == null, "parsing depends on where the message lies in its buffer");
        if (frame != null) {
            for (int i = 0; i < frame.count(); i++) {
                assertEquals(frame.payload(i), again.payload(i), "chunk " + i + " differs");
            }
        }
        try {
            assertNotNull(decoder.decode(ByteBuffer.wrap(input)));
            assertNotNull(frame, "the decoder took a message the parser refused");
        } catch (ProtocolDecodeException e) {
            assertNotNull(e.error(), "no error for the client");
        } catch (DecodeException e) {
            fail("a DecodeException without the client's error: " + e, e);
        }
        FuzzRun.assertFast(start);
    }

    /** The frame, checked against the layout, or null if the message was refused. */
    private static AudioFrame parseOrNull(ByteBuffer message, int size) {
        AudioFrame frame;
        try {
            frame = AudioFrame.parse(message);
        } catch (FrameFormatException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "no message for the client");
            return null;
        }
        assertTrue(frame.count() >= 1 && frame.count() <= 0xFFFF, "count " + frame.count());
        assertTrue(frame.firstSeq() >= 1 && frame.lastSeq() <= AudioFrame.MAX_SEQ, "sequence numbers out of range");
        assertEquals(frame.count(), frame.offsets().length);
        assertEquals(frame.count(), frame.lengths().length);
        long used = AudioFrame.HEADER_BYTES + (long) AudioFrame.CHUNK_HEADER_BYTES * frame.count()
                + frame.payloadBytes(0);
        assertEquals(size, used, "chunks do not exactly fill the message");
        for (int i = 0; i < frame.count(); i++) {
            assertTrue(frame.lengths()[i] >= 1, "empty chunk " + i);
            ByteBuffer payload = frame.payload(i);
            byte[] copy = new byte[payload.remaining()];
            payload.get(copy);
            byte[] expected = new byte[frame.lengths()[i]];
            ByteBuffer source = message.duplicate();
            source.position(frame.offsets()[i]);
            source.get(expected);
            assertArrayEquals(expected, copy, "chunk " + i + " is not the bytes it points at");
        }
        return frame;
    }
}
