package io.earshot.stream;

import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage.SessionEvent;
import io.earshot.protocol.ServerMessage;
import java.util.function.LongFunction;

/**
 * A session's numbered events on their way to the client: journaled first, then sent to the attached connection,
 * held while it paused them (up to the event buffer), and replayed exactly once to a resuming client from the
 * last one it saw. Not thread-safe: the owning {@link StreamSession}'s lock guards it.
 */
final class EventDelivery {

    /** Journals an event before it is sent; a failure is reported, the event still goes out. */
    interface Journal {
        void append(SessionEvent event);
    }

    private final EventLog log;
    private final Journal journal;
    /** Highest event number handed to the attached connection; session lock. */
    private long deliveredSeq;
    /** The attached client asked to hold events; session lock. */
    private boolean paused;

    EventDelivery(EventLog log, Journal journal) {
        this.log = log;
        this.journal = journal;
    }

    /** Numbers, journals and (unless held) delivers a new event to {@code to}, which may be null. */
    SessionEvent emit(LongFunction<SessionEvent> factory, Connection to) {
        SessionEvent event = log.append(factory);
        // Journaled before it is sent: after a restart the session's events go on from here, none twice.
        journal.append(event);
        if (to == null) {
            return event;
        }
        if (!paused) {
            deliverHeld(to);
        } else if (event.eventSeq() - deliveredSeq >= log.capacity()) {
            to.reject(ServerMessage.Error.of(ErrorCode.HOLD_OVERFLOW,
                    "Too many events were held while paused; delivery has resumed so none is lost.",
                    "held " + (event.eventSeq() - deliveredSeq) + " events, event buffer holds " + log.capacity()));
            paused = false;
            deliverHeld(to);
        }
        return event;
    }

    /**
     * A new connection that last saw event {@code lastSeen}: delivery restarts after it, unpaused. Returns the
     * events it missed that are no longer kept, or null. {@link #deliverHeld} then sends the rest.
     */
    ServerMessage.EventRange resumeFrom(long lastSeen) {
        long seen = Math.max(0, Math.min(lastSeen, log.lastSeq()));
        long firstKept = log.firstKeptSeq();
        paused = false;
        deliveredSeq = seen;
        return seen + 1 < firstKept ? new ServerMessage.EventRange(seen + 1, firstKept - 1) : null;
    }

    /** The session ended: what is held goes out with {@code ended}. */
    void stopHolding() {
        paused = false;
    }

    void pause() {
        paused = true;
    }

    void unpause(Connection to) {
        paused = false;
        deliverHeld(to);
    }

    /** Sends the events not yet delivered, in order, while the connection takes them. */
    void deliverHeld(Connection to) {
        if (to == null) {
            return;
        }
        for (SessionEvent e : log.after(deliveredSeq)) {
            if (!to.outbound().send(e)) {
                return;
            }
            deliveredSeq = e.eventSeq();
        }
    }

    long deliveredSeq() {
        return deliveredSeq;
    }

    long lastSeq() {
        return log.lastSeq();
    }

    int capacity() {
        return log.capacity();
    }
}
