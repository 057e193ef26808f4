package io.earshot.stream;

import io.earshot.protocol.AudioFrame;

/**
 * Enforces the chunk numbering rules of one session: consecutive sequence numbers from 1, duplicates
 * re-acknowledged and dropped, gaps refused with the expected number, and no more than {@code window}
 * chunks beyond the last ack issued. Not thread-safe: the owning {@link StreamSession} guards it.
 */
final class SequenceTracker {

    /** What to do with a frame. */
    sealed interface Verdict {
    }

    /** Every chunk is already stored: acknowledge again, store nothing. */
    record Duplicate() implements Verdict {
    }

    /** Store the frame's chunks from index {@code from} on. */
    record Accept(int from) implements Verdict {
    }

    /** The frame starts after a gap. */
    record Gap(long expectedSeq) implements Verdict {
    }

    /** The frame reaches past the credit window. */
    record BeyondWindow(long lastAckedSeq, int window) implements Verdict {
    }

    private final int window;
    /** Highest chunk number stored in the spool. */
    private long stored;
    /** Highest chunk number acknowledged to the client. */
    private long acked;

    SequenceTracker(int window, long alreadyStored) {
        this.window = window;
        this.stored = alreadyStored;
        this.acked = alreadyStored;
    }

    Verdict check(AudioFrame frame) {
        if (frame.lastSeq() <= stored) {
            return new Duplicate();
        }
        if (frame.firstSeq() > stored + 1) {
            return new Gap(stored + 1);
        }
        if (frame.lastSeq() > acked + window) {
            return new BeyondWindow(acked, window);
        }
        return new Accept((int) (stored + 1 - frame.firstSeq()));
    }

    void stored(long seq) {
        stored = seq;
    }

    void acked(long seq) {
        acked = seq;
    }

    long stored() {
        return stored;
    }

    long acked() {
        return acked;
    }

    int window() {
        return window;
    }

    /** Chunks stored but not yet acknowledged. */
    int unacked() {
        return (int) (stored - acked);
    }
}
