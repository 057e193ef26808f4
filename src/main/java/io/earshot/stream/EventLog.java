package io.earshot.stream;

import io.earshot.protocol.ServerMessage.SessionEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongFunction;

/**
 * A session's numbered events, the newest {@code capacity} of them kept so a resuming client can be sent
 * exactly the ones it missed. Not thread-safe: the owning {@link StreamSession} guards it.
 */
final class EventLog {

    private final int capacity;
    private final ArrayDeque<SessionEvent> kept = new ArrayDeque<>();
    private long lastSeq;

    EventLog(int capacity) {
        this.capacity = capacity;
    }

    /** Numbers and keeps a new event; the oldest kept event is dropped when full. */
    SessionEvent append(LongFunction<SessionEvent> factory) {
        SessionEvent event = factory.apply(lastSeq + 1);
        lastSeq = event.eventSeq();
        if (kept.size() == capacity) {
            kept.removeFirst();
        }
        kept.addLast(event);
        return event;
    }

    /** Starts a restored session's log: its newest events (oldest first) and the last number it gave out. */
    void restore(List<SessionEvent> newest, long last) {
        kept.clear();
        for (SessionEvent e : newest) {
            if (kept.size() == capacity) {
                kept.removeFirst();
            }
            kept.addLast(e);
        }
        lastSeq = Math.max(last, kept.isEmpty() ? 0 : kept.peekLast().eventSeq());
    }

    long lastSeq() {
        return lastSeq;
    }

    int capacity() {
        return capacity;
    }

    /** The kept events numbered above {@code seq}, oldest first. */
    List<SessionEvent> after(long seq) {
        // Walk back from the newest: delivery usually wants only the last event or two, not the whole buffer.
        List<SessionEvent> out = new ArrayList<>();
        Iterator<SessionEvent> newestFirst = kept.descendingIterator();
        while (newestFirst.hasNext()) {
            SessionEvent e = newestFirst.next();
            if (e.eventSeq() <= seq) {
                break;
            }
            out.add(e);
        }
        Collections.reverse(out);
        return out;
    }

    /**
     * The oldest kept event number (the next number when none is kept): a client that last saw {@code seq}
     * has lost events {@code seq+1 .. firstKeptSeq-1}, if that range is not empty.
     */
    long firstKeptSeq() {
        return kept.isEmpty() ? lastSeq + 1 : kept.peekFirst().eventSeq();
    }
}
