package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.ServerMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection and session limits, with the error each gives. */
class AdmissionTest {

    @TempDir
    Path tmp;

    @Test
    void connectionsBeyondTheServerLimitAreRefusedAsServerBusyWithRetryAfter() {
        SessionHarness h = new SessionHarness(tmp, "earshot.limits.max-connections", "2");
        Admission admission = new Admission(h.config);

        assertNull(admission.refuseConnection(1));
        ServerMessage.Error e = admission.refuseConnection(2);
        assertEquals("server_busy", e.code());
        assertEquals(h.config.retryAfterMs, e.retryAfterMs());
    }

    @Test
    void aClientOverItsSessionLimitIsToldToRetryLater() {
        SessionHarness h = new SessionHarness(tmp, "earshot.limits.max-sessions-per-client", "2");
        Admission admission = new Admission(h.config);
        List<StreamSession> held = new ArrayList<>();
        held.add(h.start(h.connect()));
        assertNull(admission.refuseSession(held, "client-1"));
        held.add(h.start(h.connect()));

        ServerMessage.Error e = admission.refuseSession(held, "client-1");

        assertEquals("too_many_sessions", e.code());
        assertEquals(h.config.retryAfterMs, e.retryAfterMs());
        assertNull(admission.refuseSession(held, "client-2"), "the limit is per client");
    }

    @Test
    void sessionsWaitingForAResumeCountAndEndedOnesDoNot() {
        SessionHarness h = new SessionHarness(tmp, "earshot.limits.max-sessions-per-client", "1");
        Admission admission = new Admission(h.config);
        SessionHarness.Peer p = h.connect();
        StreamSession waiting = h.start(p);
        p.connection.closed("closed 1006");

        assertEquals("too_many_sessions", admission.refuseSession(List.of(waiting), "client-1").code());
        SessionHarness.Peer back = h.resume(waiting, 0);
        back.connection.onMessage(new ClientMessage.End());
        assertNull(admission.refuseSession(List.of(waiting), "client-1"));
    }

    @Test
    void theServerSessionLimitCountsEveryClient() {
        SessionHarness h = new SessionHarness(tmp, "earshot.limits.max-sessions", "1");
        Admission admission = new Admission(h.config);
        List<StreamSession> held = List.of(h.start(h.connect()));

        assertEquals("server_busy", admission.refuseSession(held, "client-2").code());
    }
}
