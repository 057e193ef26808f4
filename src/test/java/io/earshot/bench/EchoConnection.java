package io.earshot.bench;

import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.glassfish.tyrus.client.ClientManager;

/** A connection to {@link EchoEndpoint} that keeps a fixed number of binary messages in flight. */
final class EchoConnection implements AutoCloseable {

    private final Object lock = new Object();
    private volatile long received;
    private volatile boolean senderWaiting;
    private volatile Throwable failure;
    private volatile CloseReason closeReason;
    private volatile Session session;

    private EchoConnection() {
    }

    static EchoConnection open(ClientManager client, URI uri) throws Exception {
        EchoConnection c = new EchoConnection();
        client.connectToServer(c.new Listener(), ClientEndpointConfig.Builder.create().build(), uri);
        return c;
    }

    private final class Listener extends Endpoint {
        @Override
        public void onOpen(Session s, EndpointConfig config) {
            session = s;
            s.addMessageHandler(ByteBuffer.class, new MessageHandler.Whole<ByteBuffer>() {
                @Override
                public void onMessage(ByteBuffer message) {
                    received++;
                    if (senderWaiting) {
                        wake();
                    }
                }
            });
        }

        @Override
        public void onClose(Session s, CloseReason reason) {
            closeReason = reason;
            wake();
        }

        @Override
        public void onError(Session s, Throwable t) {
            failure = t;
            wake();
        }
    }

    private void wake() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    void send(ByteBuffer message) throws IOException {
        session.getBasicRemote().sendBinary(message);
    }

    /** Waits until fewer than {@code inFlight} of the {@code sent} messages are unanswered, or the deadline. */
    boolean awaitRoom(long sent, int inFlight, long deadlineNanos) throws InterruptedException {
        if (sent - received < inFlight) {
            return true;
        }
        synchronized (lock) {
            senderWaiting = true;
            try {
                while (sent - received >= inFlight) {
                    if (failure != null || closeReason != null) {
                        throw new IllegalStateException("echo connection failed: "
                                + (failure != null ? failure : closeReason));
                    }
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                return true;
            } finally {
                senderWaiting = false;
            }
        }
    }

    long received() {
        return received;
    }

    @Override
    public void close() {
        Session s = session;
        if (s != null && s.isOpen()) {
            try {
                s.close();
            } catch (IOException | RuntimeException ignored) {
                // already closing
            }
        }
    }
}
