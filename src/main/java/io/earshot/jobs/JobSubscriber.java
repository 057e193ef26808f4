package io.earshot.jobs;

import io.earshot.protocol.Json;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WebSocket following one job: one send in flight at a time, the records behind it queued in order; a
 * client too slow for {@code earshot.jobs.event-history} records loses the oldest queued ones, never the newest.
 */
final class JobSubscriber {

    private static final Logger LOG = Logger.getLogger(JobSubscriber.class.getName());

    final Session ws;
    final String jobId;
    /** Written by the callback threads that hear the client, read by the heartbeat. */
    volatile long lastHeard = System.nanoTime();
    private final int capacity;
    // The fields below are guarded by this subscriber's monitor.
    private final java.util.ArrayDeque<JobRecord> pending = new java.util.ArrayDeque<>();
    private long lastQueued;
    private boolean sending;
    private final java.util.ArrayDeque<String> pendingControl = new java.util.ArrayDeque<>();
    private boolean closing;
    /** Sending may start: set a moment after {@code @OnOpen} (see refuse). */
    private boolean open;

    JobSubscriber(Session ws, String jobId, long after, int capacity) {
        this.ws = ws;
        this.jobId = jobId;
        this.lastQueued = after;
        this.capacity = capacity;
    }

    synchronized void offer(JobRecord r) {
        if (closing || r.eventId() <= lastQueued) {
            return;
        }
        lastQueued = r.eventId();
        pending.add(r);
        while (pending.size() > capacity) {
            pending.poll();
        }
        pump();
    }

    synchronized void sendControl(String text) {
        if (!closing) {
            if (pendingControl.size() < 4) {
                pendingControl.add(text);
            }
            pump();
        }
    }

    synchronized void open() {
        open = true;
        pump();
    }

    /** The client has seen the final record already: nothing to send, the subscription is over. */
    synchronized void finishedAlready() {
        if (!sending && pending.isEmpty()) {
            closing = true;
            JobWatchers.close(ws, CloseReason.CloseCodes.NORMAL_CLOSURE.getCode(), "job finished");
        }
    }

    /** Sends what is waiting, if nothing is in flight. Called with the lock held. */
    private void pump() {
        if (sending || closing || !open) {
            return;
        }
        String text;
        boolean last = false;
        if (!pending.isEmpty()) {
            JobRecord r = pending.poll();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "job");
            m.put("job", r.toJson());
            text = Json.write(m);
            last = r.stage().isFinal();
        } else if (!pendingControl.isEmpty()) {
            text = pendingControl.poll();
        } else {
            return;
        }
        sending = true;
        boolean finalRecord = last;
        try {
            ws.getAsyncRemote().sendText(text, result -> done(result.isOK(), finalRecord));
        } catch (RuntimeException e) {
            // never leave the client waiting on a subscription that sends nothing more
            LOG.log(Level.WARNING, "job events: a send to a subscriber of " + jobId + " failed", e);
            sending = false;
            closing = true;
            JobWatchers.close(ws, CloseReason.CloseCodes.UNEXPECTED_CONDITION.getCode(), "send failed");
        }
    }

    private synchronized void done(boolean ok, boolean finalRecord) {
        sending = false;
        if (!ok) {
            closing = true;
            JobWatchers.close(ws, CloseReason.CloseCodes.GOING_AWAY.getCode(), "send failed");
            return;
        }
        if (finalRecord && pending.isEmpty()) {
            closing = true;
            JobWatchers.close(ws, CloseReason.CloseCodes.NORMAL_CLOSURE.getCode(), "job finished");
            return;
        }
        pump();
    }
}
