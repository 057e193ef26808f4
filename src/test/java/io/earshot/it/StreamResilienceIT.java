package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Resume, liveness, flow control and limits on the real server: connections cut or frozen by a loopback
 * proxy, sessions resumed with replay, and every bound reached on purpose.
 */
@ExtendWith(ArquillianExtension.class)
class StreamResilienceIT extends EarshotDeployment {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    private StreamClient connect() {
        StreamClient c = StreamClient.connect(streamUri());
        closeables.add(c);
        return c;
    }

    private CuttableProxy proxy() throws Exception {
        CuttableProxy p = new CuttableProxy(serverPort());
        closeables.add(p);
        return p;
    }

    private StreamClient connectVia(CuttableProxy p) {
        StreamClient c = StreamClient.connect(streamUri(p.port()));
        closeables.add(c);
        return c;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private static Map<String, Object> resume(JsonNode started, long lastEventSeq) {
        return Map.of("resume", Map.of("session_id", started.path("session_id").asText(),
                "resume_token", started.path("resume_token").asText(), "last_event_seq", lastEventSeq));
    }

    private static byte[] spooled(String sessionId) throws Exception {
        return Files.readAllBytes(SPOOL.resolve(sessionId).resolve("audio.raw"));
    }

    @Test
    void abruptDisconnectThenResumeLosesNothingAndStoresNothingTwice() throws Exception {
        CuttableProxy proxy = proxy();
        StreamClient first = connectVia(proxy);
        JsonNode started = first.start();
        String id = started.path("session_id").asText();
        List<byte[]> chunks = Frames.pcmChunks(120, 640, 21);
        first.sendBinary(Frames.frame(chunks, 1, 40));
        first.awaitAck(40);
        first.sendBinary(Frames.frame(chunks, 41, 60));
        proxy.cutAll();
        // The client cannot know whether 41..60 arrived: it keeps them and asks where the server stands.
        StreamClient second = connect();
        JsonNode resumed = second.start(resume(started, 0));
        assertTrue(resumed.path("resumed").asBoolean());
        assertEquals(2, resumed.path("attempt").asInt());
        long acked = resumed.path("last_acked_seq").asLong();
        assertTrue(acked == 40 || acked == 60, resumed::toString);
        assertFalse(resumed.has("resume_token"), "the token is sent once only");
        // Replays from the client's own last ack: the overlap is dropped as duplicates. The window counts from
        // the server's last ack, which may be 40: 41..100 fits it either way.
        second.sendBinary(Frames.frame(chunks, 41, 100));
        second.awaitAck(100);
        second.sendBinary(Frames.frame(chunks, 101, 120));
        second.awaitAck(120);
        second.sendJson(Map.of("type", "end"));
        JsonNode ended = second.expect("ended");
        assertEquals(120, ended.path("last_seq").asLong());
        second.expectClosed(1000);
        assertArrayEquals(Frames.concat(chunks, 120), spooled(id), "spool holds every byte sent, once, in order");
    }

    @Test
    void eventsMissedWhileDisconnectedAreReplayedExactlyOnce() throws Exception {
        CuttableProxy proxy = proxy();
        StreamClient first = connectVia(proxy);
        JsonNode started = first.start(Map.of("durability", "disk"));
        assertEquals("disk", started.path("durability").asText());
        List<byte[]> chunks = Frames.pcmChunks(10, 640, 22);
        first.sendBinary(Frames.frame(chunks, 1, 5));
        first.awaitAck(5);
        first.sendJson(Map.of("type", "mark", "name", "one"));
        assertEquals(1, first.expect("mark").path("event_seq").asLong());
        // Stored but not yet forced: the mark waits for the next forced flush, which happens while cut.
        first.sendBinary(Frames.frame(chunks, 6, 10));
        first.sendJson(Map.of("type", "mark", "name", "two"));
        // A pong proves the server has read everything before it; the mark event may or may not have come yet.
        first.sendJson(Map.of("type", "ping", "ts", 7));
        while (!first.next().path("type").asText().equals("pong")) {
            // skip the mark event if the flush beat the ping
        }
        proxy.cutAll();
        StreamClient second = connect();
        JsonNode resumed = second.start(resume(started, 1));
        assertEquals(10, resumed.path("last_acked_seq").asLong());
        JsonNode replayed = second.expect("mark");
        assertEquals("two", replayed.path("name").asText());
        assertEquals(2, replayed.path("event_seq").asLong());
        assertEquals(10, replayed.path("seq").asLong());
        second.sendJson(Map.of("type", "mark", "name", "three"));
        assertEquals(3, second.expect("mark").path("event_seq").asLong(), "event one was not sent again");
    }

    @Test
    void eventsOlderThanTheBufferAreReportedUnavailable() {
        StreamClient first = connect();
        JsonNode started = first.start();
        for (int i = 1; i <= 12; i++) {
            first.sendJson(Map.of("type", "mark", "name", "m" + i));
            assertEquals(i, first.expect("mark").path("event_seq").asLong());
        }
        StreamClient second = connect();
        JsonNode resumed = second.start(resume(started, 0));
        assertEquals(12, resumed.path("last_event_seq").asLong());
        assertEquals(1, resumed.at("/events_unavailable/from").asLong(), resumed::toString);
        assertEquals(4, resumed.at("/events_unavailable/to").asLong(), resumed::toString);
        for (int i = 5; i <= 12; i++) {
            assertEquals(i, second.expect("mark").path("event_seq").asLong());
        }
    }

    @Test
    void resumeOnANewConnectionTakesOverTheOldOne() {
        StreamClient first = connect();
        JsonNode started = first.start();
        StreamClient second = connect();
        assertTrue(second.start(resume(started, 0)).path("resumed").asBoolean());
        first.expectError("session_taken_over");
        first.expectClosed(4003);
        second.sendBinary(Frames.frame(Frames.pcmChunks(1, 320, 23), 1, 1));
        second.awaitAck(1);
    }

    @Test
    void wrongTokenIsRejectedAndLeavesTheSessionAlone() {
        StreamClient owner = connect();
        JsonNode started = owner.start();
        StreamClient intruder = connect();
        intruder.sendJson(Map.of("type", "start", "resume", Map.of("session_id", started.path("session_id").asText(),
                "resume_token", "AAAA" + started.path("resume_token").asText().substring(4), "last_event_seq", 0)));
        JsonNode rejected = intruder.expectError("resume_rejected");
        assertFalse(rejected.path("fatal").asBoolean());
        intruder.sendJson(Map.of("type", "start", "resume", Map.of("session_id", "s_unknown",
                "resume_token", "x", "last_event_seq", 0)));
        assertEquals(rejected.path("message").asText(), intruder.expectError("resume_rejected").path("message").asText(),
                "unknown and wrong-token sessions get the same answer");
        owner.sendBinary(Frames.frame(Frames.pcmChunks(1, 320, 24), 1, 1));
        owner.awaitAck(1);
        owner.assertQuiet(Duration.ofMillis(200));
    }

    @Test
    void afterTheGracePeriodTheSessionIsFinalizedAndItsAudioKept() throws Exception {
        CuttableProxy proxy = proxy();
        StreamClient first = connectVia(proxy);
        JsonNode started = first.start(Map.of("limits", Map.of("resume_grace_ms", 500)));
        assertEquals(500, started.at("/limits/resume_grace_ms").asLong());
        String id = started.path("session_id").asText();
        List<byte[]> chunks = Frames.pcmChunks(5, 640, 25);
        first.sendBinary(Frames.frame(chunks, 1, 5));
        first.awaitAck(5);
        proxy.cutAll();
        // The server finalizes it once the grace period is over: session.json says so (bounded wait).
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(SPOOL.resolve(id).resolve("session.json")).contains("\"abandoned\"")) {
            assertTrue(System.nanoTime() < deadline, "session not finalized long after its grace period");
            Thread.sleep(50);
        }
        StreamClient second = connect();
        second.sendJson(Map.of("type", "start", "resume", Map.of("session_id", id,
                "resume_token", started.path("resume_token").asText(), "last_event_seq", 0)));
        JsonNode reply = second.next();
        if (reply.path("type").asText().equals("started")) {
            // Within the short replay window after the end: it can only be replayed, not continued.
            assertEquals("ended", reply.path("state").asText(), reply::toString);
            assertEquals("abandoned", second.expect("ended").path("reason").asText());
            second.expectClosed(1000);
        } else {
            assertEquals("resume_rejected", reply.path("code").asText(), reply::toString);
        }
        JsonNode meta = StreamClient.JSON.readTree(SPOOL.resolve(id).resolve("session.json").toFile());
        assertEquals("ended", meta.path("state").asText());
        assertEquals("abandoned", meta.path("end_reason").asText());
        assertArrayEquals(Frames.concat(chunks, 5), spooled(id));
    }

    @Test
    void anEndedSessionResumedWithinItsGraceReplaysTheEndedEvent() {
        StreamClient first = connect();
        JsonNode started = first.start(Map.of("limits", Map.of("resume_grace_ms", 5000)));
        first.sendBinary(Frames.frame(Frames.pcmChunks(3, 320, 26), 1, 3));
        first.awaitAck(3);
        first.sendJson(Map.of("type", "end"));
        JsonNode ended = first.expect("ended");
        first.expectClosed(1000);
        StreamClient second = connect();
        JsonNode resumed = second.start(resume(started, 0));
        assertEquals("ended", resumed.path("state").asText());
        JsonNode replayed = second.expect("ended");
        assertEquals(ended, replayed);
        second.expectClosed(1000);
    }

    @Test
    void pingIsAnsweredWithPongEchoingTheClientTimestamp() {
        StreamClient c = connect();
        c.sendJson(Map.of("type", "ping", "ts", 123456789));
        JsonNode pong = c.expect("pong");
        assertEquals(123456789, pong.path("ts").asLong());
        assertTrue(pong.path("server_ts").asLong() > 1_700_000_000_000L);
        c.ping();
        StreamClient.Event e = c.nextEvent();
        assertTrue(e instanceof StreamClient.Pong, () -> "protocol ping answered with a pong, got " + e);
    }

    @Test
    void heartbeatsArriveAtTheNegotiatedIntervalAndProtocolPongsKeepAQuietClientAlive() {
        StreamClient c = connect();
        JsonNode started = c.start(Map.of("limits", Map.of("heartbeat_interval_ms", 500, "idle_timeout_ms", 60000)));
        assertEquals(500, started.path("heartbeat_interval_ms").asLong());
        // The client sends nothing for 4 intervals; only its automatic answers to the server's pings.
        c.assertQuiet(Duration.ofMillis(2000));
        assertTrue(c.heartbeats() >= 3, () -> "heartbeats seen: " + c.heartbeats());
        assertTrue(c.isOpen(), "a client that answers protocol pings is alive");
    }

    @Test
    void aSilentPeerIsDeclaredDeadAndItsSessionWaitsForResume() throws Exception {
        CuttableProxy proxy = proxy();
        StreamClient first = connectVia(proxy);
        JsonNode started = first.start(Map.of("limits", Map.of("heartbeat_interval_ms", 500)));
        first.sendBinary(Frames.frame(Frames.pcmChunks(2, 320, 27), 1, 2));
        first.awaitAck(2);
        proxy.freezeAll();
        // Wait (bounded) until the server gives up on the frozen peer: its close frame shows up in the capture.
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        Frames.WireFrame close = null;
        while (close == null && System.nanoTime() < deadline) {
            for (Frames.WireFrame f : Frames.parseServerFrames(proxy.capturedAfterFreeze())) {
                if (f.opcode() == 0x8) {
                    close = f;
                }
            }
            Thread.sleep(100);
        }
        assertTrue(close != null, "server closed the silent connection");
        assertEquals(4002, close.closeCode());
        String sent = new String(proxy.capturedAfterFreeze(), StandardCharsets.UTF_8);
        assertTrue(sent.contains("\"code\":\"heartbeat_timeout\""), "error before close: " + sent);
        StreamClient second = connect();
        JsonNode resumed = second.start(resume(started, 0));
        assertTrue(resumed.path("resumed").asBoolean());
        assertEquals(2, resumed.path("last_acked_seq").asLong());
    }

    @Test
    void pauseHoldsEventsUntilResumeAndDropsNone() {
        StreamClient c = connect();
        c.start();
        c.sendJson(Map.of("type", "pause"));
        for (int i = 1; i <= 3; i++) {
            c.sendJson(Map.of("type", "mark", "name", "held" + i));
        }
        c.sendJson(Map.of("type", "ping", "ts", 1));
        assertEquals("pong", c.next().path("type").asText(), "connection messages still flow while paused");
        c.assertQuiet(Duration.ofMillis(300));
        c.sendJson(Map.of("type", "resume"));
        for (int i = 1; i <= 3; i++) {
            JsonNode m = c.expect("mark");
            assertEquals(i, m.path("event_seq").asLong());
            assertEquals("held" + i, m.path("name").asText());
        }
    }

    @Test
    void holdingMoreEventsThanTheBufferReleasesThemWithHoldOverflow() {
        StreamClient c = connect();
        c.start();
        c.sendJson(Map.of("type", "pause"));
        for (int i = 1; i <= 8; i++) {
            c.sendJson(Map.of("type", "mark", "name", "m" + i));
        }
        c.expectError("hold_overflow");
        for (int i = 1; i <= 8; i++) {
            assertEquals(i, c.expect("mark").path("event_seq").asLong());
        }
    }

    @Test
    void aFrameBeyondTheCreditWindowIsRefusedWithWindowExceeded() throws Exception {
        StreamClient c = connect();
        JsonNode started = c.start();
        int window = started.path("window").asInt();
        List<byte[]> chunks = Frames.pcmChunks(window + 1, 320, 28);
        c.sendBinary(Frames.frame(chunks, 1, window + 1));
        JsonNode error = c.expectError("window_exceeded");
        assertEquals(window, error.path("window").asInt());
        assertEquals(0, error.path("last_acked_seq").asLong());
        assertEquals(0, spooled(started.path("session_id").asText()).length);
        c.sendBinary(Frames.frame(chunks, 1, window));
        c.awaitAck(window);
    }

    @Test
    void slowDownIsSentWhenAcksLagAndOkWhenTheyCatchUp() {
        StreamClient c = connect();
        JsonNode started = c.start(Map.of("durability", "disk"));
        int window = started.path("window").asInt();
        int burst = (int) Math.ceil(window * 0.8);
        c.sendBinary(Frames.frame(Frames.pcmChunks(burst, 320, 29), 1, burst));
        JsonNode slow = c.expect("flow");
        assertEquals("slow_down", slow.path("state").asText());
        assertEquals("ack_backlog", slow.path("reason").asText());
        assertEquals(burst, slow.path("unacked").asInt());
        JsonNode ok = c.expect("flow");
        assertEquals("ok", ok.path("state").asText());
        assertEquals(burst, c.lastAck(), "the forced flush acked the burst before flow ok");
    }

    @Test
    void idleSessionEndsWithIdleTimeout() {
        StreamClient c = connect();
        c.start(Map.of("limits", Map.of("idle_timeout_ms", 1000)));
        JsonNode error = c.expectError("idle_timeout");
        assertTrue(error.path("fatal").asBoolean());
        assertEquals("idle_timeout", c.expect("ended").path("reason").asText());
        c.expectClosed(4000);
    }

    @Test
    void sessionEndsAtItsMaximumDuration() {
        StreamClient c = connect();
        c.start(Map.of("limits", Map.of("max_session_duration_ms", 1000)));
        c.sendBinary(Frames.frame(Frames.pcmChunks(1, 320, 30), 1, 1));
        c.awaitAck(1);
        c.expectError("max_duration_reached");
        JsonNode ended = c.expect("ended");
        assertEquals("max_duration", ended.path("reason").asText());
        assertEquals(1, ended.path("last_seq").asLong());
        c.expectClosed(4001);
    }

    @Test
    void aConnectionThatNeverStartsIsClosedAfterTheStartTimeout() {
        StreamClient c = connect();
        c.expectError("start_timeout");
        c.expectClosed(4004);
    }

    @Test
    void aClientOverItsSessionLimitIsToldToRetryLater() throws Exception {
        awaitNoLiveSessions(Duration.ofSeconds(10));
        for (int i = 0; i < 6; i++) {
            connect().start();
        }
        StreamClient extra = connect();
        extra.sendJson(Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 16000, "channels", 1,
                "transcribe", false));
        JsonNode error = extra.expectError("too_many_sessions");
        assertTrue(error.path("retryable").asBoolean());
        assertTrue(error.path("retry_after_ms").asLong() > 0);
        extra.expectClosed(1013);
    }

    @Test
    void connectionsBeyondTheServerLimitAreClosedWithTryAgainLater() throws Exception {
        awaitNoLiveSessions(Duration.ofSeconds(10));
        int open = status().path("connections").asInt();
        for (int i = open; i < 12; i++) {
            connect();
        }
        StreamClient extra = connect();
        JsonNode error = extra.expectError("server_busy");
        assertTrue(error.path("retry_after_ms").asLong() > 0);
        extra.expectClosed(1013);
    }
}
