package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.AudioCodec;
import io.earshot.config.EarshotConfig.Durability;
import io.earshot.protocol.ErrorCode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The phase table of {@link SessionState}: each transition, and the guards and deadlines it answers. */
class SessionStateTest {

    private static final long MS = 1_000_000L;
    private static final SessionSettings LIMITS = new SessionSettings(AudioCodec.PCM_S16LE, 16_000, 1,
            Durability.OS, List.of(), 10_000, 2_000, 3_000, 1_000, false);

    private final Connection a = new Connection(null, "c", "o", null, 1000, 16, Runnable::run, Runnable::run,
            SessionClock.SYSTEM);
    private final Connection b = new Connection(null, "c", "o", null, 1000, 16, Runnable::run, Runnable::run,
            SessionClock.SYSTEM);

    @Test
    void aNewSessionStreamsAndTakesAudio() {
        SessionState s = new SessionState(0, 0);
        s.onAttach(a, 0);

        assertEquals(SessionPhase.STREAMING, s.phase());
        assertTrue(s.canAcceptAudio());
        assertTrue(s.speaksFor(a));
        assertFalse(s.speaksFor(b));
        assertEquals(1, s.attempt());
    }

    @Test
    void endMovesStreamingToEndingOnce() {
        SessionState s = new SessionState(0, 0);

        assertTrue(s.onEnd("client_end", null, 5));
        assertFalse(s.onEnd("idle_timeout", ErrorCode.IDLE_TIMEOUT, 6));

        assertEquals(SessionPhase.ENDING, s.phase());
        assertFalse(s.canAcceptAudio());
        assertEquals("client_end", s.endReason());
        assertNull(s.endCode());
    }

    @Test
    void endedFollowsOnlyEnding() {
        SessionState s = new SessionState(0, 0);
        assertFalse(s.onEnded(1, Instant.EPOCH), "a streaming session is not ended without ending first");

        s.onEnd("client_end", null, 1);
        assertTrue(s.onEnded(2, Instant.EPOCH));
        assertFalse(s.onEnded(3, Instant.EPOCH));
        assertTrue(s.isEnded());
    }

    @Test
    void anEndedSessionExpiresOnlyWithNobodyAttached() {
        SessionState s = new SessionState(0, 0);
        s.onAttach(a, 0);
        s.onEnd("client_end", null, 0);
        s.onEnded(0, Instant.EPOCH);

        assertFalse(s.onExpire());
        s.onDetach(a, 0, Instant.EPOCH);
        assertTrue(s.onExpire());
        assertEquals(SessionPhase.EXPIRED, s.phase());
    }

    @Test
    void aSecondAttachReturnsTheConnectionItReplaces() {
        SessionState s = new SessionState(0, 0);
        s.onAttach(a, 0);

        assertSame(a, s.onAttach(b, 0));
        assertEquals(2, s.attempt());
        assertFalse(s.onDetach(a, 0, Instant.EPOCH), "the replaced connection cannot detach the session");
        assertTrue(s.speaksFor(b));
    }

    @Test
    void deadlinesFollowThePhaseAndTheAttachment() {
        SessionState s = new SessionState(0, 0);
        s.onAttach(a, 0);
        assertEquals(SessionState.Due.NOTHING, s.due(2_000 * MS, LIMITS, 500));
        assertEquals(SessionState.Due.IDLE_TIMEOUT, s.due(2_001 * MS, LIMITS, 500));

        s.onDetach(a, 2_000 * MS, Instant.EPOCH);
        assertEquals(SessionState.Due.NOTHING, s.due(5_000 * MS, LIMITS, 500), "no idle limit while detached");
        assertEquals(SessionState.Due.GRACE_OVER, s.due(5_001 * MS, LIMITS, 500));
        assertEquals(SessionState.Due.MAX_DURATION, s.due(10_001 * MS, LIMITS, 500));

        s.onEnd("abandoned", null, 6_000 * MS);
        assertEquals(SessionState.Due.END_WAIT_OVER, s.due(6_501 * MS, LIMITS, 500));
        s.onEnded(7_000 * MS, Instant.EPOCH);
        assertEquals(SessionState.Due.NOTHING, s.due(10_000 * MS, LIMITS, 500));
        assertEquals(SessionState.Due.REPLAY_OVER, s.due(10_001 * MS, LIMITS, 500));
    }

    @Test
    void aRestoredEndedSessionCountsItsReplayWindowFromWhenItEnded() {
        SessionHarness.FakeClock clock = new SessionHarness.FakeClock();
        Instant endedAt = clock.now().minusMillis(2_500);
        SessionState s = SessionState.restored(clock, endedAt.minusSeconds(60), 3, "j_1", endedAt, true, "client_end",
                endedAt);

        assertTrue(s.isEnded());
        assertTrue(s.handedOff());
        assertEquals(3, s.attempt());
        assertEquals(SessionState.Due.NOTHING, s.due(clock.nanoTime(), LIMITS, 500));
        assertEquals(SessionState.Due.REPLAY_OVER, s.due(clock.nanoTime() + 501 * MS, LIMITS, 500));
    }
}
