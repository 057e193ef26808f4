package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The streaming protocol v1 on the real server, rule by rule, as docs/api/streaming.md states them:
 * session start, acks and the spool, ordering, bad input, end, and the status resource.
 */
@ExtendWith(ArquillianExtension.class)
class StreamProtocolIT extends EarshotDeployment {

    private final List<StreamClient> clients = new ArrayList<>();

    private StreamClient connect() {
        StreamClient c = StreamClient.connect(streamUri());
        clients.add(c);
        return c;
    }

    @AfterEach
    void closeClients() {
        clients.forEach(StreamClient::close);
    }

    static byte[] spooled(String sessionId) throws Exception {
        return Files.readAllBytes(SPOOL.resolve(sessionId).resolve("audio.raw"));
    }

    @Test
    void startAnswersStartedWithSessionTokenCodecLimitsAndWindow() {
        StreamClient c = connect();
        clients.remove(c);
        assertEquals("earshot.v1", c.negotiatedSubprotocol());
        c.sendJson(Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 16000, "channels", 1,
                "transcribe", false));
        JsonNode started = c.expect("started");
        assertTrue(started.path("session_id").asText().startsWith("s_"), started::toString);
        assertTrue(started.path("resume_token").asText().length() >= 40, started::toString);
        assertFalse(started.path("resumed").asBoolean());
        assertEquals(1, started.path("attempt").asInt());
        assertEquals("pcm_s16le", started.at("/codec/name").asText());
        assertEquals(16000, started.at("/codec/sample_rate").asInt());
        assertEquals(1, started.at("/codec/channels").asInt());
        assertEquals("os", started.path("durability").asText());
        assertEquals(0, started.path("last_acked_seq").asLong());
        assertEquals(64, started.path("window").asInt());
        assertEquals(30000, started.path("heartbeat_interval_ms").asLong());
        assertEquals(120000, started.at("/limits/resume_grace_ms").asLong());
        assertEquals(65536, started.at("/limits/max_binary_payload").asInt());
        c.sendJson(Map.of("type", "end"));
        c.expect("ended");
        c.expectClosed(1000);
    }

    @Test
    void chunksAreAckedCumulativelyAndTheSpoolHoldsExactlyTheBytesSent() throws Exception {
        StreamClient c = connect();
        String id = c.start().path("session_id").asText();
        List<byte[]> chunks = Frames.pcmChunks(40, 640, 1);
        c.sendBinary(Frames.frame(chunks, 1, 1));
        assertEquals(1, c.awaitAck(1));
        c.sendBinary(Frames.frame(chunks, 2, 20));
        c.sendBinary(Frames.frame(chunks, 21, 40));
        assertEquals(40, c.awaitAck(40));
        assertArrayEquals(Frames.concat(chunks, 40), spooled(id));
        byte[] index = Files.readAllBytes(SPOOL.resolve(id).resolve("chunks.idx"));
        assertEquals(40 * 4, index.length);
        assertEquals(640, ByteBuffer.wrap(index, 39 * 4, 4).getInt());
    }

    @Test
    void duplicateChunksAreReacknowledgedAndDropped() throws Exception {
        StreamClient c = connect();
        String id = c.start().path("session_id").asText();
        List<byte[]> chunks = Frames.pcmChunks(7, 320, 2);
        c.sendBinary(Frames.frame(chunks, 1, 5));
        c.awaitAck(5);
        c.sendBinary(Frames.frame(chunks, 1, 5));
        JsonNode reack = c.nextEventText();
        assertEquals("ack", reack.path("type").asText(), reack::toString);
        assertEquals(5, reack.path("seq").asLong());
        c.sendBinary(Frames.frame(chunks, 3, 7));
        c.awaitAck(7);
        assertArrayEquals(Frames.concat(chunks, 7), spooled(id));
    }

    @Test
    void gapInSequenceIsRejectedWithExpectedSeq() throws Exception {
        StreamClient c = connect();
        String id = c.start().path("session_id").asText();
        List<byte[]> chunks = Frames.pcmChunks(6, 320, 3);
        c.sendBinary(Frames.frame(chunks, 1, 2));
        c.awaitAck(2);
        c.sendBinary(Frames.frame(chunks, 4, 6));
        JsonNode error = c.expectError("out_of_order");
        assertEquals(3, error.path("expected_seq").asLong());
        assertEquals(4, error.path("seq").asLong());
        assertTrue(error.path("retryable").asBoolean());
        assertFalse(error.path("fatal").asBoolean());
        c.sendBinary(Frames.frame(chunks, 3, 6));
        c.awaitAck(6);
        assertArrayEquals(Frames.concat(chunks, 6), spooled(id));
    }

    @Test
    void audioAndSessionMessagesBeforeStartAreRefused() {
        StreamClient c = connect();
        c.sendBinary(Frames.frame(Frames.pcmChunks(1, 320, 4), 1, 1));
        assertEquals(1, c.expectError("not_started").path("seq").asLong());
        c.sendJson(Map.of("type", "end"));
        c.expectError("not_started");
        c.sendJson(Map.of("type", "mark", "name", "x"));
        c.expectError("not_started");
        c.start();
    }

    @Test
    void malformedJsonGetsBadMessageAndTheSessionGoesOn() {
        StreamClient c = connect();
        c.start();
        c.send("{not json");
        JsonNode error = c.expectError("bad_message");
        assertFalse(error.path("fatal").asBoolean());
        assertFalse(error.toString().contains("at io.earshot"), "no stack trace: " + error);
        c.send("[1,2,3]");
        c.expectError("bad_message");
        c.send("{\"no_type\":1}");
        c.expectError("bad_message");
        c.sendBinary(Frames.frame(Frames.pcmChunks(1, 320, 5), 1, 1));
        c.awaitAck(1);
    }

    @Test
    void unknownMessageTypeGetsUnknownType() {
        StreamClient c = connect();
        c.start();
        c.send("{\"type\":\"transmogrify\"}");
        JsonNode error = c.expectError("unknown_type");
        assertTrue(error.path("message").asText().contains("transmogrify"), error::toString);
    }

    @Test
    void secondStartOnTheSameConnectionIsRefused() {
        StreamClient c = connect();
        c.start();
        c.sendJson(Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 16000, "channels", 1));
        c.expectError("already_started");
    }

    @Test
    void unsupportedCodecListsWhatIsSupported() {
        StreamClient c = connect();
        c.sendJson(Map.of("type", "start", "codecs", List.of("flac", "mp3"), "sample_rate", 16000, "channels", 1));
        JsonNode error = c.expectError("unsupported_codec");
        assertTrue(error.path("supported").toString().contains("pcm_s16le"), error::toString);
        c.sendJson(Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 11025, "channels", 1));
        c.expectError("unsupported_audio_format");
        c.sendJson(Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 16000, "channels", 6));
        c.expectError("unsupported_audio_format");
        assertEquals("pcm_s16le", c.start(Map.of("codecs", List.of("flac", "pcm_s16le"))).at("/codec/name").asText());
    }

    @Test
    void badFrameLayoutGetsBadFrameAndNothingIsStored() throws Exception {
        StreamClient c = connect();
        String id = c.start().path("session_id").asText();
        c.sendBinary(ByteBuffer.wrap(new byte[] {9, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0}));
        assertTrue(c.expectError("bad_frame").path("detail").asText().contains("frame type"));
        ByteBuffer truncated = Frames.frame(Frames.pcmChunks(1, 320, 6), 1, 1);
        truncated.limit(truncated.limit() - 10);
        c.sendBinary(truncated);
        c.expectError("bad_frame");
        c.sendBinary(ByteBuffer.wrap(new byte[] {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3}));
        assertTrue(c.expectError("bad_frame").path("detail").asText().contains("multiple of 2"));
        assertEquals(0, spooled(id).length);
    }

    @Test
    void oversizedBinaryFrameClosesWith1009AndTheSessionCanBeResumed() {
        StreamClient c = connect();
        JsonNode started = c.start();
        c.sendBinary(Frames.frame(Frames.pcmChunks(1, 70_000, 7), 1, 1));
        JsonNode error = c.expectError("payload_too_large");
        assertTrue(error.path("fatal").asBoolean());
        c.expectClosed(1009);
        StreamClient again = connect();
        JsonNode resumed = again.start(Map.of("resume", Map.of("session_id", started.path("session_id").asText(),
                "resume_token", started.path("resume_token").asText(), "last_event_seq", 0)));
        assertTrue(resumed.path("resumed").asBoolean());
        assertEquals(0, resumed.path("last_acked_seq").asLong());
    }

    @Test
    void oversizedTextMessageClosesWith1009() {
        StreamClient c = connect();
        c.start();
        c.send("{\"type\":\"mark\",\"name\":\"" + "x".repeat(5000) + "\"}");
        c.expectError("message_too_large");
        c.expectClosed(1009);
    }

    @Test
    void endStoresEverythingSendsEndedWithTotalsAndClosesNormally() throws Exception {
        StreamClient c = connect();
        String id = c.start().path("session_id").asText();
        List<byte[]> chunks = Frames.pcmChunks(50, 640, 8);
        c.sendBinary(Frames.frame(chunks, 1, 50));
        c.sendJson(Map.of("type", "end"));
        c.sendBinary(Frames.frame(Frames.pcmChunks(51, 640, 8), 51, 51));
        JsonNode ended = c.expect("ended");
        assertEquals(50, c.lastAck(), "the final ack precedes ended");
        assertEquals("client_end", ended.path("reason").asText());
        assertEquals(50, ended.path("last_seq").asLong());
        assertEquals(50, ended.path("chunks").asLong());
        assertEquals(50 * 640, ended.path("bytes").asLong());
        assertEquals(1000, ended.path("audio_ms").asLong());
        assertTrue(ended.path("event_seq").asLong() >= 1);
        c.expectClosed(1000);
        assertArrayEquals(Frames.concat(chunks, 50), spooled(id));
        JsonNode meta = StreamClient.JSON.readTree(SPOOL.resolve(id).resolve("session.json").toFile());
        assertEquals("ended", meta.path("state").asText());
        assertEquals("client_end", meta.path("end_reason").asText());
        assertFalse(meta.toString().contains(ended.path("resume_token").asText("never-present")));
    }

    @Test
    void connectionWithoutTheSubprotocolIsRefusedWithProtocolError() {
        StreamClient c = StreamClient.connect(streamUri(), List.of());
        clients.add(c);
        JsonNode error = c.expectError("protocol_version_required");
        assertTrue(error.path("supported").toString().contains("earshot.v1"));
        c.expectClosed(1002);
    }

    @Test
    void marksAreAnsweredOnceTheAudioBeforeThemIsAcked() {
        StreamClient c = connect();
        c.start();
        List<byte[]> chunks = Frames.pcmChunks(10, 320, 9);
        c.sendBinary(Frames.frame(chunks, 1, 10));
        c.sendJson(Map.of("type", "mark", "name", "after-ten"));
        JsonNode mark = c.expect("mark");
        assertEquals("after-ten", mark.path("name").asText());
        assertEquals(10, mark.path("seq").asLong());
        assertEquals(1, mark.path("event_seq").asLong());
        c.sendJson(Map.of("type", "mark", "name", ""));
        c.expectError("bad_message");
    }

    @Test
    void statusCountsConnectionsAndSessions() throws Exception {
        StreamClient c = connect();
        c.start();
        JsonNode s = status();
        assertTrue(s.path("connections").asInt() >= 1, s::toString);
        assertTrue(s.path("sessions_attached").asInt() >= 1, s::toString);
        assertTrue(s.path("spool_ok").asBoolean(), s::toString);
    }

    @Test
    void noMessageIsSentWithoutCauseOnAnIdleConnection() {
        StreamClient c = connect();
        c.start();
        c.assertQuiet(Duration.ofMillis(500));
        assertNotEquals(null, c.session());
    }

    /** Cross-site WebSocket hijacking: a page of another site cannot open a stream; a loopback page and a non-browser can. */
    @Test
    void pagesOfOtherSitesCannotOpenAStream() {
        AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> StreamClient.connect(streamUri(), List.of("earshot.v1"), "https://evil.example"));
        assertTrue(refused.getCause() instanceof org.glassfish.tyrus.client.exception.DeploymentHandshakeException h
                && h.getHttpStatusCode() == 403, () -> String.valueOf(refused.getCause()));
        try (StreamClient page = StreamClient.connect(streamUri(), List.of("earshot.v1"),
                "http://127.0.0.1:" + serverPort())) {
            page.start();
        }
        try (StreamClient server = StreamClient.connect(streamUri(), List.of("earshot.v1"), Map.of())) {
            server.start();
        }
    }
}
