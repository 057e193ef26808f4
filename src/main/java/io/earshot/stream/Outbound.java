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
 * cumulative ack matters.
 *
 * <p>Callers never touch the transport: they queue, and the connection's writer task (on the {@code writer}
 * executor) does every send and the close, so a caller holding a session's lock does no I/O. A send that completes
 * goes on with the next message on the thread that completed it.
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
    /**
     * Drain requests not yet served: the one who raises it from 0 runs (or schedules) the drain loop; others only
     * count, so one writer runs per connection and a completion handler that runs inline does not recurse.
     */
    private final AtomicInteger wip = new AtomicInteger();

    Outbound(Transport transport, int maxQueued, Runnable onOverflow, java.util.concurrent.Executor writer) {
        this.transport = transport;
        this.maxQueued = maxQueued;
        this.onOverflow = onOverflow;
        this.writer = writer;
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
                queue.add(message);
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
            queue.add(PING);
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
            queue.add(new Close(code, reason));
        }
        kick();
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
        execute(() -> transport.close(code, reason));
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
        execute(this::drainLoop);
    }

    /** From a send's completion: the drain goes on on this thread, which holds no session lock. */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        drainLoop();
    }

    private void execute(Runnable task) {
        try {
            writer.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run(); // the writer pool is gone (the server is stopping): better sent from here than lost
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
                    if (pendingAck >= 0) {
                        next = new ServerMessage.Ack(pendingAck);
                        pendingAck = -1;
                    } else {
                        next = queue.poll();
                        if (next == null) {
                            break;
                        }
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
            transport.close(close.code(), close.reason());
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
