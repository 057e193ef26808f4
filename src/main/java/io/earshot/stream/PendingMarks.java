package io.earshot.stream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Marks waiting for the audio sent before them to be acknowledged; at most {@value #MAX_PENDING}. Not thread-safe:
 * the owning {@link StreamSession}'s lock guards it.
 */
final class PendingMarks {

    static final int MAX_PENDING = 1_000;
    static final int MAX_NAME = 200;

    record Mark(String name, long seq) {
    }

    /** Oldest first; session lock. */
    private final ArrayDeque<Mark> waiting = new ArrayDeque<>();

    static boolean validName(String name) {
        return name != null && !name.isEmpty() && name.length() <= MAX_NAME;
    }

    /** Keeps a mark until chunk {@code seq} is acked; false when too many are waiting. */
    boolean add(String name, long seq) {
        if (waiting.size() >= MAX_PENDING) {
            return false;
        }
        waiting.add(new Mark(name, seq));
        return true;
    }

    /** The marks that an ack of {@code seq} reaches, oldest first, no longer waiting. */
    List<Mark> reachedBy(long seq) {
        List<Mark> reached = new ArrayList<>();
        while (!waiting.isEmpty() && waiting.peekFirst().seq() <= seq) {
            reached.add(waiting.removeFirst());
        }
        return reached;
    }
}
