package io.earshot.stream;

import io.earshot.protocol.ErrorCode;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A session's phase, its attached connection and the times its limits count from: every transition is a method
 * here, and the guards and deadlines are asked of it. Not thread-safe: the owning {@link StreamSession}'s lock
 * guards every field.
 *
 * <pre>
 * phase      event                                  next
 * STREAMING  onEnd (client end, a limit, hand-off)  ENDING
 * ENDING     onEnded (transcribed, or gave up)      ENDED
 * ENDED      onExpire (detached, replay window over) EXPIRED
 * any        onAttach / onDetach                    same phase, attachment changes
 * </pre>
 */
final class SessionState {

    /** What a limit says is due now. */
    enum Due {
        NOTHING, MAX_DURATION, IDLE_TIMEOUT, GRACE_OVER, END_WAIT_OVER, REPLAY_OVER
    }

    /** Where the session is; session lock. */
    private SessionPhase phase = SessionPhase.STREAMING;
    /** The connection the session talks to, or null while it waits for a resume; session lock. */
    private Connection attached;
    /** Connections the session has had: 1 on the first, plus one per resume; session lock. */
    private int attempt;
    /** Why it ended ({@code ended.reason}), once ending; session lock. */
    private String endReason;
    /** The error that ended it (a limit), or null for a normal end; session lock. */
    private ErrorCode endCode;
    /** The session's job, once handed off: its remaining audio is not transcribed live; session lock. */
    private String jobId;
    private final long createdNanos;
    /** When audio was last stored (the idle limit counts from it); session lock. */
    private long lastAudioNanos;
    /** When the last connection went away (the grace period counts from it); session lock. */
    private long detachedNanos;
    /** When the connection went away (wall clock, for the manifest), while none is attached; session lock. */
    private Instant detachedAt;
    /** When ending began (the end wait counts from it); session lock. */
    private long endingNanos;
    /** When {@code ended} was sent (the replay window counts from it); session lock. */
    private long endedNanos;
    /** The same, wall clock, for the manifest; session lock. */
    private Instant endedAt;

    SessionState(long createdNanos, long now) {
        this.createdNanos = createdNanos;
        this.lastAudioNanos = now;
        this.detachedNanos = now;
    }

    /** A session brought back from storage: detached since {@code detachedAt}, perhaps ended since {@code endedAt}. */
    static SessionState restored(SessionClock clock, Instant createdAt, int attempt, String jobId, Instant detachedAt,
            boolean ended, String endReason, Instant endedAt) {
        SessionState s = new SessionState(clock.nanosAt(createdAt), clock.nanoTime());
        s.attempt = attempt;
        s.jobId = jobId;
        s.detachedNanos = clock.nanosAt(detachedAt);
        s.detachedAt = detachedAt;
        if (ended) {
            s.phase = SessionPhase.ENDED;
            s.endReason = endReason;
            s.endedAt = endedAt;
            s.endedNanos = clock.nanosAt(endedAt);
        }
        return s;
    }

    // ---- transitions ----------------------------------------------------------------------------------

    /** A connection takes the session (first start or resume); returns the one it replaces, if any. */
    Connection onAttach(Connection c, long now) {
        Connection previous = attached;
        attempt++;
        attached = c;
        detachedAt = null;
        lastAudioNanos = now;
        return previous == c ? null : previous;
    }

    /** The connection went away; false when it was not the attached one (a takeover already moved on). */
    boolean onDetach(Connection c, long now, Instant wall) {
        if (attached != c) {
            return false;
        }
        attached = null;
        detachedNanos = now;
        detachedAt = wall;
        return true;
    }

    /** A server going down with the session attached: it counts as detached from now on disk. */
    void onServerGone(Instant wall) {
        if (attached != null) {
            detachedAt = wall;
        }
    }

    /** No more audio from now; false when the session was already ending. */
    boolean onEnd(String reason, ErrorCode code, long now) {
        if (phase != SessionPhase.STREAMING) {
            return false;
        }
        phase = SessionPhase.ENDING;
        endReason = reason;
        endCode = code;
        endingNanos = now;
        return true;
    }

    /** {@code ended} is sent now; false when it already was (or nothing was ending). */
    boolean onEnded(long now, Instant wall) {
        if (phase != SessionPhase.ENDING) {
            return false;
        }
        phase = SessionPhase.ENDED;
        endedNanos = now;
        endedAt = wall;
        return true;
    }

    void onHandOff(String job) {
        jobId = job;
    }

    void onAudio(long now) {
        lastAudioNanos = now;
    }

    /** The replay window closed with nobody attached; false otherwise. */
    boolean onExpire() {
        if (phase != SessionPhase.ENDED || attached != null) {
            return false;
        }
        phase = SessionPhase.EXPIRED;
        return true;
    }

    // ---- guards and deadlines -------------------------------------------------------------------------

    /** Which limit, if any, is due at {@code now}. */
    Due due(long now, SessionSettings settings, long endWaitMs) {
        return switch (phase) {
            case STREAMING -> now - createdNanos > ms(settings.maxDurationMs()) ? Due.MAX_DURATION
                    : attached != null && now - lastAudioNanos > ms(settings.idleTimeoutMs()) ? Due.IDLE_TIMEOUT
                    : attached == null && now - detachedNanos > ms(settings.resumeGraceMs()) ? Due.GRACE_OVER
                    : Due.NOTHING;
            case ENDING -> now - endingNanos > ms(endWaitMs) ? Due.END_WAIT_OVER : Due.NOTHING;
            case ENDED -> attached == null && now - endedNanos > ms(settings.resumeGraceMs()) ? Due.REPLAY_OVER
                    : Due.NOTHING;
            case EXPIRED -> Due.NOTHING;
        };
    }

    SessionPhase phase() {
        return phase;
    }

    boolean canAcceptAudio() {
        return phase == SessionPhase.STREAMING;
    }

    /** Ending or ended: no audio, mark or second end is taken. */
    boolean isEnding() {
        return phase != SessionPhase.STREAMING;
    }

    boolean isEnded() {
        return phase == SessionPhase.ENDED || phase == SessionPhase.EXPIRED;
    }

    /** Whether what {@code c} sends is acted on: only the attached connection speaks for the session. */
    boolean speaksFor(Connection c) {
        return c != null && attached == c;
    }

    Connection attached() {
        return attached;
    }

    boolean isAttached() {
        return attached != null;
    }

    int attempt() {
        return attempt;
    }

    String endReason() {
        return endReason;
    }

    ErrorCode endCode() {
        return endCode;
    }

    String jobId() {
        return jobId;
    }

    boolean handedOff() {
        return jobId != null;
    }

    Instant detachedAt() {
        return detachedAt;
    }

    Instant endedAt() {
        return endedAt;
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
