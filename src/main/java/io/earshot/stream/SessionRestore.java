package io.earshot.stream;

import io.earshot.protocol.ServerMessage;
import io.earshot.spool.SessionManifest;
import io.earshot.spool.SessionStorage;
import io.earshot.spool.SessionStore;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Brings back a session this server does not hold in memory but whose storage it can reach (the server restarted,
 * or another server sharing the store had it), for the client resuming it: only with the session's token, by the
 * identity that started it, within its grace period counted from when its connection (at the latest, its server)
 * went away. The session goes on from its last stored chunk and its last journaled event.
 */
final class SessionRestore {

    private final SessionStore store;
    private final SessionServices services;

    SessionRestore(SessionStore store, SessionServices services) {
        this.store = store;
        this.services = services;
    }

    /** The restored session, not yet registered; null when it may not or cannot come back (logged why). */
    StreamSession restore(Connection c, String id, String token) {
        SessionStorage reopened = null;
        StreamSession s = null;
        try {
            SessionManifest m = store.manifest(id).filter(found -> found.admits(token, c.owner())).orElse(null);
            if (m == null) {
                return null;
            }
            SessionSettings settings = SessionSettings.stored(m, services.config());
            if (settings == null) {
                SessionLog.info("session.restore_refused", c, null, "session_id", id, "reason", "unreadable settings");
                return null;
            }
            reopened = store.reopen(id);
            long stored = reopened.chunks();
            Journal journal = readJournal(id, stored, m.lastEventSeq());
            // Ended: so says its manifest, or its journal (a kill can come between the two), or it was handed off.
            io.earshot.jobs.JobRecord job = services.jobs().jobOfSession(id);
            boolean ended = m.ended() || journal.end != null || job != null;
            String jobId = job != null ? job.id() : journal.end != null ? journal.end.jobId() : m.jobId();
            String endReason = journal.end != null ? journal.end.reason() : m.endReason() != null ? m.endReason()
                    : job != null ? "handed_off" : null;
            Instant lastAlive = store.lastWritten(id);
            Instant detachedAt = m.detachedAt() != null ? m.detachedAt() : lastAlive;
            Instant endedAt = m.endedAt() != null ? m.endedAt() : lastAlive;
            long awayMs = Math.max(0, services.clock().now().toEpochMilli()
                    - (ended ? endedAt : detachedAt).toEpochMilli());
            if (awayMs > settings.resumeGraceMs()) {
                SessionLog.info("session.restore_refused", c, null, "session_id", id, "reason",
                        "grace period over while away", "away_ms", awayMs);
                reopened.close();
                return null;
            }
            StreamSession.Restored restored = new StreamSession.Restored(m.createdAt(), m.attempts(), ended,
                    endReason, jobId, m.badAudioChunks(), stored, List.copyOf(journal.newest), journal.lastEventSeq,
                    journal.transcribedSeq, detachedAt, endedAt);
            s = new StreamSession(id, token, m.client() != null ? m.client() : c.identity(), c.owner(), settings,
                    reopened, services, restored);
            reopened = null; // the session has it now
            s.catchUp(store, journal.transcribedSeq);
            if (ended) {
                s.closeStorage();
            }
            SessionLog.info("session.restored", c, s, "last_seq", stored, "last_event_seq", journal.lastEventSeq,
                    "transcribe_from_seq", journal.transcribedSeq + 1, "away_ms", awayMs, "state",
                    ended ? "ended" : "active", "unreadable_events", journal.unreadable);
            return s;
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                s.discard();
            } else if (reopened != null) {
                try {
                    reopened.close();
                } catch (IOException ignored) {
                    // the failure below is what matters
                }
            }
            SessionLog.warn("session.restore_failed", c, null, "session_id", id, "error",
                    e.getClass().getSimpleName() + ": " + e.getMessage());
            return null;
        }
    }

    /** What the journal says: the newest events for replay, the last chunk a transcript covered, the end. */
    private static final class Journal {
        final ArrayDeque<ServerMessage.SessionEvent> newest = new ArrayDeque<>();
        long lastEventSeq;
        long transcribedSeq;
        ServerMessage.Ended end;
        int unreadable;
    }

    private Journal readJournal(String id, long stored, long manifestLastEventSeq) throws IOException {
        Journal j = new Journal();
        j.lastEventSeq = manifestLastEventSeq;
        int keep = services.config().eventBuffer;
        j.unreadable = store.readJournal(id, e -> {
            j.newest.addLast(e);
            if (j.newest.size() > keep) {
                j.newest.removeFirst();
            }
            j.lastEventSeq = Math.max(j.lastEventSeq, e.eventSeq());
            if (e instanceof ServerMessage.Transcript t) {
                j.transcribedSeq = Math.max(j.transcribedSeq, Math.min(t.lastSeq(), stored));
            } else if (e instanceof ServerMessage.Ended ended) {
                j.end = ended;
            }
        });
        return j;
    }
}
