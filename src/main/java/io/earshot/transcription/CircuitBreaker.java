package io.earshot.transcription;

import java.util.function.LongSupplier;

/**
 * Stops calling an engine that keeps failing. After {@code threshold} failures in a row the breaker opens:
 * calls are refused at once for {@code openNanos}, so sessions get a clear {@code engine_unavailable} instead
 * of waiting on an engine that will fail anyway. Then one call is let through as a probe (half-open): its
 * success closes the breaker, its failure opens it again for another period. Thread-safe.
 */
public final class CircuitBreaker {

    public enum State {
        CLOSED, OPEN, HALF_OPEN;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final int threshold;
    private final long openNanos;
    private final LongSupplier clock;
    private State state = State.CLOSED;
    private int failures;
    private long openUntil;
    private boolean probing;

    public CircuitBreaker(int threshold, long openNanos, LongSupplier clock) {
        if (threshold < 1 || openNanos <= 0) {
            throw new IllegalArgumentException("threshold must be at least 1 and the open time positive");
        }
        this.threshold = threshold;
        this.openNanos = openNanos;
        this.clock = clock;
    }

    /** Whether a call may go to the engine now; if it returns true, report the outcome with success or failure. */
    public synchronized boolean tryAcquire() {
        switch (state) {
            case CLOSED:
                return true;
            case OPEN:
                if (clock.getAsLong() - openUntil < 0) {
                    return false;
                }
                state = State.HALF_OPEN;
                probing = true;
                return true;
            default:
                if (probing) {
                    return false;
                }
                probing = true;
                return true;
        }
    }

    public synchronized void success() {
        state = State.CLOSED;
        failures = 0;
        probing = false;
    }

    public synchronized void failure() {
        probing = false;
        if (state == State.HALF_OPEN || ++failures >= threshold) {
            state = State.OPEN;
            openUntil = clock.getAsLong() + openNanos;
            failures = 0;
        }
    }

    /** Whether new work would be refused right now (open, and its period not over). */
    public synchronized boolean isRefusing() {
        return state == State.OPEN && clock.getAsLong() - openUntil < 0;
    }

    /** Nanoseconds until an open breaker lets a probe through; 0 when it would now. */
    public synchronized long nanosUntilProbe() {
        return state == State.OPEN ? Math.max(0, openUntil - clock.getAsLong()) : 0;
    }

    public synchronized State state() {
        return state;
    }
}
