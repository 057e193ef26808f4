package io.earshot.stream;

import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection: liveness, its outbound queue, and the session attached to it (at most one).
 * Inbound messages arrive one at a time from the container; the timer thread calls {@link #tick}. Every field is
 * final or volatile: no lock is held here, and the session's lock is taken only inside its own methods.
 */
final class Connection {

    private final String id = Ids.connectionId();
    private final String identity;
    /** Who authenticated this connection (the API key's name; "anonymous" without authentication), or null. */
    private final String owner;
    private final Outbound outbound;
    private final SessionClock clock;
    private final long openedNanos;
    /** Where {@code start} goes; null in a unit test that attaches sessions directly. */
    private final SessionRegistry registry;

    /** Last time anything arrived from the peer; written by container threads, read by the timer. */
    private volatile long lastHeardNanos;
    /** The attached session, set once by {@code start}; read by the timer. */
    private volatile StreamSession session;
    /** Heartbeat interval in force (the server default until a session negotiates its own). */
    private volatile long heartbeatMs;
    /** Next heartbeat time; set when the interval changes, advanced by the timer thread. */
    private volatile long nextHeartbeatNanos;
    /** When a close was requested, or 0; a close that does not complete in time is forced. */
    private volatile long closeRequestedNanos;

    Connection(SessionRegistry registry, String identity, String owner, Outbound.Transport transport,
            long heartbeatMs, int maxQueued, java.util.concurrent.Executor writer,
            java.util.concurrent.Executor closer, SessionClock clock) {
        this.registry = registry;
        this.clock = clock;
        this.openedNanos = clock.nanoTime();
        this.lastHeardNanos = openedNanos;
        this.identity = identity;
        this.owner = owner;
        this.heartbeatMs = heartbeatMs;
        this.nextHeartbeatNanos = openedNanos + TimeUnit.MILLISECONDS.toNanos(heartbeatMs);
        this.outbound = new Outbound(transport, maxQueued, this::overflowed, writer, closer);
    }

    String id() {
        return id;
    }

    String identity() {
        return identity;
    }

    /** Who authenticated this connection, or null when nobody did (its close is then on its way). */
    String owner() {
        return owner;
    }

    /** Whether this connection is closing: what it sends from now on is not acted on. */
    boolean closing() {
        return closeRequestedNanos != 0 || refusing;
    }

    /** Set when the connection is refused at open: its error and close follow ({@link SessionRegistry#failAtOpen}). */
    private volatile boolean refusing;

    void refusing() {
        refusing = true;
    }

    Outbound outbound() {
        return outbound;
    }

    StreamSession session() {
        return session;
    }

    void attach(StreamSession s) {
        this.session = s;
    }

    void useHeartbeat(long intervalMs) {
        this.heartbeatMs = intervalMs;
        this.nextHeartbeatNanos = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMs);
    }

    void heard() {
        lastHeardNanos = clock.nanoTime();
    }

    void onMessage(ClientMessage message) {
        heard();
        if (closing()) {
            return; // after a fatal error (refused credentials, say) nothing more is acted on
        }
        StreamSession s = session;
        if (message instanceof ClientMessage.Start start) {
            if (s != null) {
                reject(ServerMessage.Error.of(ErrorCode.ALREADY_STARTED,
                        "This connection already carries a session; open a new connection for another.",
                        "session " + s.id() + " is attached to connection " + id));
            } else {
                registry.start(this, start);
            }
            return;
        }
        if (message instanceof ClientMessage.Ping ping) {
            outbound.send(new ServerMessage.Pong(ping.ts(), clock.now().toEpochMilli()));
            return;
        }
        if (s == null) {
            reject(notStarted("\"" + typeName(message) + "\" before start"));
            return;
        }
        if (message instanceof ClientMessage.End end) {
            s.end(this, end);
        } else if (message instanceof ClientMessage.Pause) {
            s.pause(this);
        } else if (message instanceof ClientMessage.Resume) {
            s.resumeEvents(this);
        } else if (message instanceof ClientMessage.Mark mark) {
            s.mark(this, mark.name());
        }
    }

    void onAudio(AudioFrame frame) {
        heard();
        if (closing()) {
            return;
        }
        StreamSession s = session;
        if (s == null) {
            reject(notStarted("audio frame (chunks " + frame.firstSeq() + ".." + frame.lastSeq() + ") before start")
                    .withSeq(frame.firstSeq()));
            return;
        }
        s.audio(this, frame);
    }

    /** Sends a non-fatal error; the connection and session go on. */
    void reject(ServerMessage.Error error) {
        io.earshot.telemetry.Telemetry.sink().error(error.code());
        SessionLog.fine("protocol.rejected", this, session, "code", error.code(), "detail", error.detail());
        outbound.send(error);
    }

    /** Sends a fatal error, closes with its close code, and leaves the session waiting for a resume. */
    void fail(ServerMessage.Error error) {
        io.earshot.telemetry.Telemetry.sink().error(error.code());
        SessionLog.info("connection.failed", this, session, "code", error.code(), "detail", error.detail());
        outbound.send(error);
        int closeCode = ErrorCode.valueOf(error.code().toUpperCase(java.util.Locale.ROOT)).closeCode();
        requestClose(closeCode, error.code());
    }

    void requestClose(int code, String reason) {
        if (closeRequestedNanos == 0) {
            closeRequestedNanos = clock.nanoTime();
        }
        outbound.close(code, reason);
        StreamSession s = session;
        if (s != null) {
            s.detach(this, reason);
        }
    }

    /** The container reports the connection closed (by either side, or lost). */
    void closed(String why) {
        outbound.markDead();
        StreamSession s = session;
        if (s != null) {
            s.detach(this, why);
        }
    }

    /** Timer work: heartbeats, dead-peer detection, the start timeout, and forcing a stuck close. */
    boolean tick(long now, long startTimeoutMs) {
        long closeAt = closeRequestedNanos;
        if (closeAt != 0) {
            if (now - closeAt > TimeUnit.SECONDS.toNanos(5)) {
                outbound.abort(ErrorCode.HEARTBEAT_TIMEOUT.closeCode(), "close timed out");
            }
            // A connection reset in the middle of its handshake or close may never be reported closed by the
            // container: 15 s after the close was asked for, it is forgotten all the same, so that it does not
            // count against the connection limits for ever.
            return now - closeAt > TimeUnit.SECONDS.toNanos(15);
        }
        long interval = TimeUnit.MILLISECONDS.toNanos(heartbeatMs);
        if (now - lastHeardNanos > 2 * interval) {
            fail(ServerMessage.Error.of(ErrorCode.HEARTBEAT_TIMEOUT,
                    "Nothing was heard from the client for two heartbeat intervals; the connection is closed "
                            + "and the session waits for a resume.",
                    "silent for " + TimeUnit.NANOSECONDS.toMillis(now - lastHeardNanos) + " ms, heartbeat interval "
                            + heartbeatMs + " ms"));
            return false;
        }
        if (session == null && now - openedNanos > TimeUnit.MILLISECONDS.toNanos(startTimeoutMs)) {
            fail(ServerMessage.Error.of(ErrorCode.START_TIMEOUT,
                    "No start message arrived in time.", "start_timeout_ms=" + startTimeoutMs));
            return false;
        }
        if (now >= nextHeartbeatNanos) {
            outbound.send(new ServerMessage.Heartbeat(clock.now().toEpochMilli()));
            outbound.ping();
            nextHeartbeatNanos = now + interval;
        }
        return false;
    }

    private void overflowed() {
        SessionLog.warn("connection.slow_consumer", this, session);
        if (closeRequestedNanos == 0) {
            closeRequestedNanos = clock.nanoTime();
        }
        StreamSession s = session;
        if (s != null) {
            s.detach(this, "slow_consumer");
        }
        outbound.abort(ErrorCode.SLOW_CONSUMER.closeCode(), ErrorCode.SLOW_CONSUMER.wireName());
    }

    private static ServerMessage.Error notStarted(String detail) {
        return ServerMessage.Error.of(ErrorCode.NOT_STARTED, "Send start before anything else.", detail);
    }

    private static String typeName(ClientMessage message) {
        return message.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
}
