package io.earshot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.glassfish.tyrus.client.ClientManager;

/**
 * One {@code earshot.v1} connection tuned for measuring: cumulative acks are read on the receiving thread
 * with a cheap string scan (no JSON tree per ack) and kept as a single number the sending thread waits on;
 * every other message goes to a queue. Sends are blocking, from one thread.
 */
final class StreamConnection implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACK_PREFIX = "{\"type\":\"ack\",\"seq\":";

    private final Object lock = new Object();
    /** Highest cumulative ack seen; written under lock by the receiving thread. */
    private volatile long lastAck;
    private volatile boolean senderWaiting;
    private volatile long acks;
    private volatile long slowDowns;
    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    /** First error message the server sent, if any; stops the sender. */
    private volatile JsonNode error;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile CloseReason closeReason;
    private volatile Throwable failure;
    private volatile Session session;

    private StreamConnection() {
    }

    /** Opens a connection offering subprotocol {@code earshot.v1}; returns once the handshake is done. */
    static StreamConnection open(ClientManager client, URI uri) throws Exception {
        StreamConnection c = new StreamConnection();
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create()
                .preferredSubprotocols(List.of("earshot.v1")).build();
        client.connectToServer(c.new Listener(), config, uri);
        if (!"earshot.v1".equals(c.session.getNegotiatedSubprotocol())) {
            throw new IllegalStateException("subprotocol earshot.v1 was not negotiated");
        }
        return c;
    }

    private final class Listener extends Endpoint {
        @Override
        public void onOpen(Session s, EndpointConfig config) {
            session = s;
            s.setMaxTextMessageBufferSize(1 << 20);
            s.addMessageHandler(String.class, new MessageHandler.Whole<String>() {
                @Override
                public void onMessage(String text) {
                    received(text);
                }
            });
        }

        @Override
        public void onClose(Session s, CloseReason reason) {
            closeReason = reason;
            closed.countDown();
            wake();
        }

        @Override
        public void onError(Session s, Throwable t) {
            failure = t;
            wake();
        }
    }

    private void received(String text) {
        if (text.startsWith(ACK_PREFIX)) {
            int end = text.indexOf('}', ACK_PREFIX.length());
            int comma = text.indexOf(',', ACK_PREFIX.length());
            if (comma >= 0 && comma < end) {
                end = comma;
            }
            long seq = Long.parseLong(text, ACK_PREFIX.length(), end, 10);
            acks++;
            if (seq > lastAck) {
                lastAck = seq;
                if (senderWaiting) {
                    wake();
                }
            }
            return;
        }
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (IOException e) {
            failure = new IllegalStateException("server sent invalid JSON: " + text, e);
            wake();
            return;
        }
        switch (m.path("type").asText()) {
            case "ack" -> {
                long seq = m.path("seq").asLong();
                acks++;
                if (seq > lastAck) {
                    lastAck = seq;
                }
                wake();
            }
            case "heartbeat" -> {
                // nothing to do: the benchmark sends all the time
            }
            case "flow" -> {
                if ("slow_down".equals(m.path("state").asText())) {
                    slowDowns++;
                }
            }
            case "error" -> {
                if (error == null) {
                    error = m;
                }
                messages.add(m);
                wake();
            }
            default -> messages.add(m);
        }
    }

    private void wake() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /**
     * Sends {@code start} for a store-only session (16 kHz mono PCM, the server's default limits) and returns
     * {@code started}: the benchmark measures the streaming path, not the engine (EngineBenchmark does).
     */
    JsonNode start() throws Exception {
        sendText("{\"type\":\"start\",\"codecs\":[\"pcm_s16le\"],\"sample_rate\":16000,\"channels\":1,"
                + "\"transcribe\":false}");
        return expect("started", 10_000);
    }

    void sendText(String text) throws IOException {
        session.getBasicRemote().sendText(text);
    }

    void sendBinary(ByteBuffer frame) throws IOException {
        session.getBasicRemote().sendBinary(frame);
    }

    /**
     * Waits until chunk {@code lastSeq} fits the credit window ({@code lastSeq - lastAck <= window}) or the
     * deadline passes. Returns whether it fits. Throws if the server reported an error or the connection failed.
     */
    boolean awaitCredit(long lastSeq, int window, long deadlineNanos) throws InterruptedException {
        if (lastSeq - lastAck <= window) {
            return true;
        }
        synchronized (lock) {
            senderWaiting = true;
            try {
                while (lastSeq - lastAck > window) {
                    checkHealthy();
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

    /** Waits until everything up to {@code seq} is acked. */
    void awaitAck(long seq, long timeoutMs) throws InterruptedException {
        if (!awaitCredit(seq, 0, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs))) {
            throw new IllegalStateException("chunk " + seq + " not acked within " + timeoutMs + " ms (last ack "
                    + lastAck + ")");
        }
    }

    void checkHealthy() {
        if (error != null) {
            throw new IllegalStateException("server error: " + error);
        }
        if (failure != null) {
            throw new IllegalStateException("connection failed", failure);
        }
        if (closeReason != null) {
            throw new IllegalStateException("connection closed: " + closeReason);
        }
    }

    /** The next message other than ack, heartbeat or flow; fails on an unexpected type. */
    JsonNode expect(String type, long timeoutMs) throws InterruptedException {
        JsonNode m = messages.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new IllegalStateException("no \"" + type + "\" within " + timeoutMs + " ms"
                    + (closeReason != null ? ", closed: " + closeReason : "")
                    + (failure != null ? ", failure: " + failure : ""));
        }
        if (!type.equals(m.path("type").asText())) {
            throw new IllegalStateException("expected \"" + type + "\" but got " + m);
        }
        return m;
    }

    /** Sends {@code end} and returns {@code ended}. */
    JsonNode end() throws Exception {
        sendText("{\"type\":\"end\"}");
        return expect("ended", 10_000);
    }

    /** Waits for the server's close (it closes after {@code ended}). */
    boolean awaitClosed(long timeoutMs) throws InterruptedException {
        return closed.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    long lastAck() {
        return lastAck;
    }

    long acks() {
        return acks;
    }

    long slowDowns() {
        return slowDowns;
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
