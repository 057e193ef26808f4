package io.earshot.stream;

import io.earshot.protocol.ServerMessage;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A connection's outgoing messages: a bounded queue drained by one writer, one send in flight at a
 * time (Tyrus refuses concurrent sends). {@link #send} never blocks; it returns false once the
 * connection is closing, and overflowing the queue closes the connection as a slow consumer.
 * Acks are coalesced into one slot that is sent before the next queued message: only the highest
 * cumulative ack matters. The slot never overtakes what {@link #holdAcksBehindQueued} put before it: a session's
 * opening ({@code started}, and on resume the replayed events) reaches the client before any ack.
 *
 * <p>Callers never touch the transport: they queue, and the connection's writer task (on the {@code writer}
 * executor) does every send, so a caller holding a session's lock does no I/O. A send that completes
 * goes on with the next message on the thread that completed it. Transport closes (the queued close and
 * {@link #abort}) run on the {@code closer} executor instead: the container runs {@code @OnClose} on the thread
 * that closes, and that takes the session's lock, so a writer thread never waits on a session.
 */
final class Outbound {

    /** What Outbound needs from a WebSocket; implemented over {@code jakarta.websocket.Session}. */
    interface Transport {
        /** Starts an asynchronous send; {@code done} gets null on success or the failure. */
        void send(ServerMessage message, Consumer<Throwable> done);

        void ping();

        void close(int code, String reason);
    }

    private record Close(int code, String reason) {
    }

    private static final Object PING = new Object();

    private final Transport transport;
    private final int maxQueued;
    private final Runnable onOverflow;
    /** Runs the writer task; one at a time per connection (see {@link #wip}). */
    private final java.util.concurrent.Executor writer;
    /** Runs transport closes, which may block on the session's lock and storage (see the class comment). */
    private final java.util.concurrent.Executor closer;

    private final Object lock = new Object();
    /** Messages, pings and the final close, in order; guarded by lock. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    /** Highest ack waiting to be sent, or -1; guarded by lock. */
    private long pendingAck = -1;
    /** A send is in flight; guarded by lock. */
    private boolean writing;
    /** A close is queued or done: nothing more is accepted; guarded by lock. */
    private boolean closing;
    /** The transport failed or closed: nothing more is written; guarded by lock. */
    private boolean dead;
    /** Number of messages handed to the transport; guarded by lock. */
    private long sent;
    /** Items ever added to the queue, and ever taken from it; guarded by lock. */
    private long added;
    private long taken;
    /** The ack slot waits until {@link #taken} reaches this (see {@link #holdAcksBehindQueued}); guarded by lock. */
    private long acksAfter;
    /**
     * Drain requests not yet served: the one who raises it from 0 runs (or schedules) the drain loop; others only
     * count, so one writer runs per connection and a completion handler that runs inline does not recurse.
     */
    private final AtomicInteger wip = new AtomicInteger();

    Outbound(Transport transport, int maxQueued, Runnable onOverflow, java.util.concurrent.Executor writer,
            java.util.concurrent.Executor closer) {
        this.transport = transport;
        this.maxQueued = maxQueued;
        this.onOverflow = onOverflow;
        this.writer = writer;
        this.closer = closer;
    }

    /** Queues a message. Returns false if the connection is closing or the queue overflowed. */
    boolean send(ServerMessage message) {
        boolean overflow = false;
        synchronized (lock) {
            if (closing) {
                return false;
            }
            if (queue.size() >= maxQueued) {
                overflow = true;
            } else {
                enqueue(message);
            }
        }
        if (overflow) {
            onOverflow.run();
            return false;
        }
        kick();
        return true;
    }

    /** Queues a cumulative ack, merged with any ack not yet sent. */
    void ack(long seq) {
        synchronized (lock) {
            if (closing) {
                return;
            }
            pendingAck = Math.max(pendingAck, seq);
        }
        kick();
    }

    /** Queues a protocol-level ping. */
    void ping() {
        synchronized (lock) {
            if (closing || queue.size() >= maxQueued) {
                return;
            }
            enqueue(PING);
        }
        kick();
    }

    /** Sends everything queued so far, then closes. Later sends are refused. */
    void close(int code, String reason) {
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            enqueue(new Close(code, reason));
        }
        kick();
    }

    /**
     * Everything queued so far goes out before the ack slot does: called after a session's opening
     * ({@code started}, replayed events) is queued, so that no ack reaches the client ahead of it.
     */
    void holdAcksBehindQueued() {
        synchronized (lock) {
            acksAfter = added;
        }
    }

    private void enqueue(Object item) {
        queue.add(item);
        added++;
    }

    /** Closes at once, dropping what is queued (the peer is not reading). */
    void abort(int code, String reason) {
        synchronized (lock) {
            if (dead) {
                return;
            }
            closing = true;
            dead = true;
            queue.clear();
            pendingAck = -1;
        }
        run(closer, () -> transport.close(code, reason));
    }

    /** The transport is gone: stop writing. */
    void markDead() {
        synchronized (lock) {
            closing = true;
            dead = true;
            queue.clear();
        }
    }

    /** The close went out (or the transport is gone): nothing more will be written. */
    boolean isDone() {
        synchronized (lock) {
            return dead;
        }
    }

    boolean isClosing() {
        synchronized (lock) {
            return closing;
        }
    }

    /** Fraction of the queue in use, 0..1. */
    double fill() {
        synchronized (lock) {
            return queue.size() / (double) maxQueued;
        }
    }

    long sentCount() {
        synchronized (lock) {
            return sent;
        }
    }

    /** From a caller: the drain loop runs on the writer, never on the caller's thread (which may hold a lock). */
    private void kick() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        run(writer, this::drainLoop);
    }

    /** From a send's completion: the drain goes on on this thread, which holds no session lock. */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        drainLoop();
    }

    /**
     * Hands a task to an executor. One that refuses it (the server is stopping, or its thread factory failed) leaves
     * the connection dead: the task is not run here, on a caller's thread that may hold a session's lock.
     */
    private void run(java.util.concurrent.Executor executor, Runnable task) {
        try {
            executor.execute(task);
        } catch (RuntimeException e) {
            markDead();
        }
    }

    private void drainLoop() {
        do {
            while (true) {
                Object next;
                synchronized (lock) {
                    if (writing || dead) {
                        break;
                    }
                    if (pendingAck >= 0 && taken >= acksAfter) {
                        next = new ServerMessage.Ack(pendingAck);
                        pendingAck = -1;
                    } else {
                        next = queue.poll();
                        if (next == null) {
                            break;
                        }
                        taken++;
                    }
                    writing = true;
                    sent++;
                }
                dispatch(next);
            }
        } while (wip.decrementAndGet() != 0);
    }

    private void dispatch(Object item) {
        if (item instanceof ServerMessage message) {
            try {
                transport.send(message, this::sendDone);
            } catch (RuntimeException e) {
                sendDone(e);
            }
        } else if (item == PING) {
            try {
                transport.ping();
            } catch (RuntimeException ignored) {
                // A ping that cannot be sent means the connection is going; the close path handles that.
            }
            sendDone(null);
        } else if (item instanceof Close close) {
            synchronized (lock) {
                dead = true;
                writing = false;
            }
            run(closer, () -> transport.close(close.code(), close.reason()));
        }
    }

    private void sendDone(Throwable failure) {
        synchronized (lock) {
            writing = false;
            if (failure != null) {
                dead = true;
                closing = true;
                queue.clear();
            }
        }
        if (failure == null) {
            drain();
        }
    }
}
