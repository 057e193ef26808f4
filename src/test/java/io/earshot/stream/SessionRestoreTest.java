package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.ServerMessage;
import io.earshot.stream.SessionHarness.Peer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A session brought back from storage after its server went away: only by its owner, token and grace period. */
class SessionRestoreTest {

    @TempDir
    Path tmp;

    /** A session with 4 chunks and 2 events, stored and let go as a server shutdown does. */
    private StreamSession storedSession(SessionHarness h) {
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.audio(1, 4);
        p.connection.onMessage(new ClientMessage.Mark("one"));
        p.connection.onMessage(new ClientMessage.Mark("two"));
        s.shutdown();
        return s;
    }

    @Test
    void aRestoredSessionGoesOnFromItsLastChunkAndItsLastEvent() {
        SessionHarness h = new SessionHarness(tmp.resolve("spool"));
        StreamSession before = storedSession(h);
        SessionRestore restore = new SessionRestore(h.store, h.services);
        Peer p = h.connect();

        StreamSession s = restore.restore(p.connection, before.id(), "token-" + before.id());
        assertNotNull(s);
        p.connection.attach(s);
        s.resume(p.connection, 1);

        ServerMessage.Started started = (ServerMessage.Started) p.sent().get(0);
        assertEquals(4, started.lastAckedSeq());
        assertEquals(2, started.lastEventSeq());
        assertEquals(2, started.attempt());
        assertEquals(List.of("two"), p.all(ServerMessage.MarkReached.class).stream()
                .map(ServerMessage.MarkReached::name).toList(), "only the event it missed");
        p.audio(5, 1);
        assertEquals(5, p.lastAck());
        p.connection.onMessage(new ClientMessage.Mark("three"));
        assertEquals(3, p.last(ServerMessage.MarkReached.class).eventSeq(), "numbering goes on");
    }

    @Test
    void restoreNeedsTheSessionsTokenAndItsOwner() {
        SessionHarness h = new SessionHarness(tmp.resolve("spool"));
        StreamSession before = storedSession(h);
        SessionRestore restore = new SessionRestore(h.store, h.services);

        assertNull(restore.restore(h.connect().connection, before.id(), "wrong-token"));
        Connection stranger = new Connection(null, "client-2", "mallory", new SessionHarness.FakeTransport(),
                1000, 16, Runnable::run, Runnable::run, h.clock);
        assertNull(restore.restore(stranger, before.id(), "token-" + before.id()));
        assertNotNull(restore.restore(h.connect().connection, before.id(), "token-" + before.id()),
                "the refusals left it alone");
    }

    @Test
    void aSessionAwayLongerThanItsGraceIsNotRestored() {
        SessionHarness h = new SessionHarness(tmp.resolve("spool"), "earshot.resume.grace-ms", "5000");
        StreamSession before = storedSession(h);
        h.clock.advanceMs(5001);

        assertNull(new SessionRestore(h.store, h.services).restore(h.connect().connection, before.id(),
                "token-" + before.id()));
    }

    @Test
    void aSessionEndedBeforeTheRestartComesBackEndedAndReplaysEnded() {
        SessionHarness h = new SessionHarness(tmp.resolve("spool"));
        Peer first = h.connect();
        StreamSession before = h.start(first);
        first.audio(1, 2);
        first.connection.onMessage(new ClientMessage.End());
        first.connection.closed("closed 1000");

        Peer p = h.connect();
        StreamSession s = new SessionRestore(h.store, h.services).restore(p.connection, before.id(),
                "token-" + before.id());
        p.connection.attach(s);
        s.resume(p.connection, 0);

        assertTrue(s.isEnded());
        assertEquals("client_end", p.last(ServerMessage.Ended.class).reason());
        assertEquals("ended", ((ServerMessage.Started) p.sent().get(0)).state());
    }
}
