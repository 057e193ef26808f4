package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.CloseCodes;
import io.earshot.protocol.ServerMessage;
import io.earshot.stream.SessionHarness.Peer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A connection's own rules: liveness both ways, the start timeout, and what is refused before a session. */
class ConnectionTest {

    @TempDir
    Path tmp;

    private SessionHarness harness(String... settings) {
        return new SessionHarness(tmp.resolve("spool"), settings);
    }

    private static void tick(SessionHarness h, Peer p) {
        p.connection.tick(h.clock.nanoTime(), h.config.startTimeoutMs);
    }

    @Test
    void pingIsAnsweredWithPongEchoingTheClientTimestamp() {
        SessionHarness h = harness();
        Peer p = h.connect();

        p.connection.onMessage(new ClientMessage.Ping(12345L));

        ServerMessage.Pong pong = p.last(ServerMessage.Pong.class);
        assertEquals(12345L, pong.ts());
        assertEquals(h.clock.now().toEpochMilli(), pong.serverTs());
    }

    @Test
    void audioBeforeStartIsRefusedWithNotStarted() {
        SessionHarness h = harness();
        Peer p = h.connect();

        p.audio(1, 1);

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("not_started", e.code());
        assertEquals(1L, e.seq());
        assertNull(p.closeCode(), "the connection stays open for a start");
    }

    @Test
    void sessionMessagesBeforeStartAreRefusedWithNotStarted() {
        SessionHarness h = harness();
        Peer p = h.connect();

        p.connection.onMessage(new ClientMessage.End());
        p.connection.onMessage(new ClientMessage.Mark("m"));
        p.connection.onMessage(new ClientMessage.Pause());

        assertEquals(List.of("not_started", "not_started", "not_started"), p.errorCodes());
    }

    @Test
    void secondStartOnTheSameConnectionIsRefusedWithAlreadyStarted() {
        SessionHarness h = harness();
        Peer p = h.connect();
        h.start(p);

        p.connection.onMessage(new ClientMessage.Start(List.of("pcm_s16le"), 16000, 1, null, null, null, null, null));

        assertEquals(List.of("already_started"), p.errorCodes());
    }

    @Test
    void heartbeatIsSentEachNegotiatedInterval() {
        SessionHarness h = harness("earshot.heartbeat.interval-ms", "1000");
        Peer p = h.connect();
        h.start(p);

        for (int i = 0; i < 3; i++) {
            h.clock.advanceMs(500);
            p.connection.heard(); // the client keeps talking
            tick(h, p);
            h.clock.advanceMs(500);
            p.connection.heard();
            tick(h, p);
        }

        assertEquals(3, p.all(ServerMessage.Heartbeat.class).size());
        assertEquals(3, p.transport.pings, "a protocol ping with each");
    }

    @Test
    void nothingIsSentOnAQuietConnectionBeforeTheFirstHeartbeat() {
        SessionHarness h = harness("earshot.heartbeat.interval-ms", "1000");
        Peer p = h.connect();
        h.start(p);
        p.sent().clear();

        h.clock.advanceMs(999);
        tick(h, p);

        assertTrue(p.sent().isEmpty());
    }

    @Test
    void aSilentPeerIsClosedWithHeartbeatTimeoutAndItsSessionWaitsForResume() {
        SessionHarness h = harness("earshot.heartbeat.interval-ms", "1000");
        Peer p = h.connect();
        StreamSession s = h.start(p);

        h.clock.advanceMs(2000);
        tick(h, p);
        assertNull(p.closeCode(), "two intervals are allowed");
        h.clock.advanceMs(1);
        tick(h, p);

        assertEquals(List.of("heartbeat_timeout"), p.errorCodes());
        assertEquals(CloseCodes.HEARTBEAT_TIMEOUT, p.closeCode());
        assertFalse(s.isAttached());
        assertFalse(s.isEnded());
    }

    @Test
    void anythingHeardFromThePeerKeepsAQuietClientAlive() {
        SessionHarness h = harness("earshot.heartbeat.interval-ms", "1000");
        Peer p = h.connect();
        h.start(p);

        for (int i = 0; i < 10; i++) {
            h.clock.advanceMs(1500);
            p.connection.heard(); // a protocol pong, say
            tick(h, p);
        }

        assertTrue(p.errorCodes().isEmpty());
        assertNull(p.closeCode());
    }

    @Test
    void aConnectionThatNeverStartsIsClosedAfterTheStartTimeout() {
        SessionHarness h = harness("earshot.limits.start-timeout-ms", "1000");
        Peer p = h.connect();

        h.clock.advanceMs(1001);
        p.connection.heard();
        tick(h, p);

        assertEquals(List.of("start_timeout"), p.errorCodes());
        assertEquals(CloseCodes.START_TIMEOUT, p.closeCode());
    }

    @Test
    void afterAFatalErrorNothingMoreTheClientSendsIsActedOn() {
        SessionHarness h = harness("earshot.limits.start-timeout-ms", "1000");
        Peer p = h.connect();
        h.clock.advanceMs(1001);
        tick(h, p);

        p.connection.onMessage(new ClientMessage.Ping(1L));

        assertTrue(p.all(ServerMessage.Pong.class).isEmpty());
    }

    @Test
    void aCloseThatIsNeverConfirmedIsForgottenAfterFifteenSeconds() {
        SessionHarness h = harness("earshot.limits.start-timeout-ms", "1000");
        Peer p = h.connect();
        h.clock.advanceMs(1001);
        tick(h, p);

        h.clock.advanceMs(15_000);
        assertFalse(p.connection.tick(h.clock.nanoTime(), h.config.startTimeoutMs));
        h.clock.advanceMs(1);
        assertTrue(p.connection.tick(h.clock.nanoTime(), h.config.startTimeoutMs));
    }
}
