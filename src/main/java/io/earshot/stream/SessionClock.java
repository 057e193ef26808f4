package io.earshot.stream;

import java.time.Instant;

/** The two clocks a session reads: a monotonic one for its limits and the wall clock for what it records. */
interface SessionClock {

    SessionClock SYSTEM = new SessionClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** The wall clock. */
    Instant now();

    /** The monotonic time {@code at} (wall clock, in the past) was: restored sessions count their limits from it. */
    default long nanosAt(Instant at) {
        return nanoTime() - java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(Math.max(0,
                now().toEpochMilli() - at.toEpochMilli()));
    }
}
