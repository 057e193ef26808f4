package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.glassfish.tyrus.client.ClientManager;

/**
 * A WebSocket test client in the manner of OkHttp's WebSocketRecorder: every callback lands on a queue,
 * reads wait with a timeout and fail with a message that says what arrived instead. Acks and heartbeats
 * are noted as they pass so tests can speak of the messages they care about.
 */
final class StreamClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Messages read ahead while waiting for acks, for {@link #next()}. */
    private final java.util.ArrayDeque<JsonNode> deferred = new java.util.ArrayDeque<>();
    private static final ClientManager CLIENTS = ClientManager.createClient();
    /** For connections that may be reset in the middle of the handshake: give up on a handshake after 2 s. */
    private static final ClientManager IMPATIENT = ClientManager.createClient();

    static {
        IMPATIENT.getProperties().put(org.glassfish.tyrus.client.ClientProperties.HANDSHAKE_TIMEOUT, 2_000);
    }

    /** As {@link #connect(URI)}, but a handshake that gets no answer within 2 s fails. */
    static StreamClient connectImpatiently(URI uri) {
        return connect(IMPATIENT, uri, List.of("earshot.v1"), Map.of());
    }

    sealed interface Event {
    }

    record Text(JsonNode json) implements Event {
        String type() {
            return json.path("type").asText();
        }
    }

    record Closed(int code, String reason) implements Event {
    }

    record Failed(Throwable failure) implements Event {
    }

    record Pong() implements Event {
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile Session session;
    /** Highest ack seen so far. */
    private long lastAck;
    private int heartbeats;
    /** A session was started on this connection (so close() ends it). */
    private boolean started;
    private final List<JsonNode> acks = new ArrayList<>();

    private StreamClient() {
    }

    static StreamClient connect(URI uri) {
        return connect(uri, List.of("earshot.v1"));
    }

    static StreamClient connect(URI uri, List<String> subprotocols) {
        return connect(uri, subprotocols, Map.of());
    }

    /** Connects with {@code wss://}, trusting what {@code tls} trusts (host names verified). */
    static StreamClient connectTls(URI uri, javax.net.ssl.SSLContext tls) {
        ClientManager manager = ClientManager.createClient();
        manager.getProperties().put(org.glassfish.tyrus.client.ClientProperties.SSL_ENGINE_CONFIGURATOR,
                new org.glassfish.tyrus.client.SslEngineConfigurator(tls, true, false, false));
        return connect(manager, uri, List.of("earshot.v1"), Map.of());
    }

    /** Connects as a page of {@code origin} would (its Origin header), or without one when null. */
    static StreamClient connect(URI uri, List<String> subprotocols, String origin) {
        return connect(CLIENTS, uri, subprotocols, origin == null ? Map.of() : Map.of("Origin", origin));
    }

    /** Connects with these extra handshake headers ({@code Authorization}, say). */
    static StreamClient connect(URI uri, List<String> subprotocols, Map<String, String> headers) {
        return connect(CLIENTS, uri, subprotocols, headers);
    }

    private static StreamClient connect(ClientManager manager, URI uri, List<String> subprotocols,
            Map<String, String> extraHeaders) {
        StreamClient client = new StreamClient();
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create().preferredSubprotocols(subprotocols)
                .configurator(new ClientEndpointConfig.Configurator() {
                    @Override
                    public void beforeRequest(java.util.Map<String, List<String>> headers) {
                        extraHeaders.forEach((k, v) -> headers.put(k, List.of(v)));
                    }
                }).build();
        try {
            manager.connectToServer(client.new Listener(), config, uri);
        } catch (Exception e) {
            throw new AssertionError("cannot connect to " + uri, e);
        }
        return client;
    }

    private final class Listener extends Endpoint {
        @Override
        public void onOpen(Session s, EndpointConfig config) {
            session = s;
            s.setMaxTextMessageBufferSize(1 << 20);
            s.addMessageHandler(String.class, text -> {
                try {
                    events.add(new Text(JSON.readTree(text)));
                } catch (IOException e) {
                    events.add(new Failed(new AssertionError("server sent invalid JSON: " + text, e)));
                }
            });
            s.addMessageHandler(PongMessage.class, pong -> events.add(new Pong()));
        }

        @Override
        public void onClose(Session s, CloseReason reason) {
            events.add(new Closed(reason.getCloseCode().getCode(), reason.getReasonPhrase()));
        }

        @Override
        public void onError(Session s, Throwable failure) {
            events.add(new Failed(failure));
        }
    }

    Session session() {
        return session;
    }

    String negotiatedSubprotocol() {
        return session.getNegotiatedSubprotocol();
    }

    // ---- sending

    void send(String text) {
        try {
            session.getBasicRemote().sendText(text);
        } catch (IOException e) {
            throw new AssertionError("send failed", e);
        }
    }

    void sendJson(Map<String, ?> message) {
        try {
            send(JSON.writeValueAsString(message));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    void sendBinary(ByteBuffer frame) {
        try {
            session.getBasicRemote().sendBinary(frame);
        } catch (IOException e) {
            throw new AssertionError("binary send failed", e);
        }
    }

    void ping() {
        try {
            session.getBasicRemote().sendPing(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        } catch (IOException e) {
            throw new AssertionError("ping failed", e);
        }
    }

    /**
     * Sends a PCM start (16 kHz mono, store-only, unless the extras say otherwise) and returns {@code started}.
     */
    JsonNode start(Map<String, ?> extras) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("type", "start");
        m.put("codecs", List.of("pcm_s16le"));
        m.put("sample_rate", 16000);
        m.put("channels", 1);
        // Store-only unless a test asks for transcripts: protocol tests stream synthetic tones, and their event
        // numbering must not depend on what the engine makes of them.
        m.put("transcribe", false);
        // Short grace so sessions that tests leave behind stop counting against the per-client limit soon.
        m.putAll(extras);
        Map<String, Object> limits = new java.util.LinkedHashMap<>();
        limits.put("resume_grace_ms", 1500);
        if (extras.get("limits") instanceof Map<?, ?> asked) {
            asked.forEach((k, v) -> limits.put(String.valueOf(k), v));
        }
        m.put("limits", limits);
        sendJson(m);
        JsonNode reply = expect("started");
        started = true;
        // a resumed session's last_acked_seq acknowledges what the server holds
        lastAck = Math.max(lastAck, reply.path("last_acked_seq").asLong());
        return reply;
    }

    JsonNode start() {
        return start(Map.of());
    }

    // ---- reading

    /** The next event of any kind, heartbeats included. */
    Event nextEvent() {
        return nextEvent(WAIT);
    }

    Event nextEvent(Duration wait) {
        try {
            Event e = events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                throw new AssertionError("no event within " + wait.toMillis() + " ms");
            }
            return e;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ie);
        }
    }

    /** The next JSON message other than an ack or a heartbeat (those are noted). */
    JsonNode next() {
        return next(WAIT);
    }

    /** As {@link #next()}, waiting at most {@code wait} for it. */
    JsonNode next(Duration wait) {
        if (!deferred.isEmpty()) {
            return deferred.removeFirst();
        }
        while (true) {
            Event e = nextEvent(wait);
            if (e instanceof Text t) {
                if (noteRoutine(t)) {
                    continue;
                }
                return t.json();
            }
            if (e instanceof Pong) {
                continue;
            }
            throw new AssertionError("expected a message but got " + e);
        }
    }

    /** The next JSON message, acks included (heartbeats are noted and skipped). */
    JsonNode nextEventText() {
        while (true) {
            Event e = nextEvent();
            if (e instanceof Text t) {
                if (t.type().equals("heartbeat")) {
                    heartbeats++;
                    continue;
                }
                noteRoutine(t);
                return t.json();
            }
            if (e instanceof Pong) {
                continue;
            }
            throw new AssertionError("expected a message but got " + e);
        }
    }

    JsonNode expect(String type) {
        JsonNode m = next();
        assertEquals(type, m.path("type").asText(), () -> "expected " + type + " but got " + m);
        return m;
    }

    JsonNode expectError(String code) {
        JsonNode m = expect("error");
        assertEquals(code, m.path("code").asText(), () -> "expected error " + code + " but got " + m);
        assertTrue(m.hasNonNull("message") && m.hasNonNull("detail") && m.has("retryable") && m.has("fatal"),
                () -> "error lacks message/detail/retryable/fatal: " + m);
        return m;
    }

    /** Waits until an ack covering {@code seq} arrives; fails on any other message. */
    long awaitAck(long seq) {
        while (lastAck < seq) {
            Event e = nextEvent();
            if (e instanceof Text t && noteRoutine(t)) {
                continue;
            }
            if (e instanceof Pong) {
                continue;
            }
            throw new AssertionError("waiting for ack " + seq + " (last " + lastAck + ") but got " + e);
        }
        return lastAck;
    }

    /**
     * Waits until an ack covering {@code seq} arrives; messages of the given types that come first are kept
     * for {@link #next()}, anything else fails.
     */
    long awaitAckAllowing(long seq, String... types) {
        java.util.List<String> allowed = java.util.List.of(types);
        while (lastAck < seq) {
            Event e = nextEvent();
            if (e instanceof Text t && noteRoutine(t)) {
                continue;
            }
            if (e instanceof Text t && allowed.contains(t.type())) {
                deferred.addLast(t.json());
                continue;
            }
            if (e instanceof Pong) {
                continue;
            }
            throw new AssertionError("waiting for ack " + seq + " (last " + lastAck + ") but got " + e);
        }
        return lastAck;
    }

    Closed expectClosed(int code) {
        while (true) {
            Event e = nextEvent();
            if (e instanceof Text t) {
                if (noteRoutine(t)) {
                    continue;
                }
                fail("expected close " + code + " but got message " + t.json());
            }
            if (e instanceof Pong) {
                continue;
            }
            if (e instanceof Failed) {
                continue; // Tyrus may report the broken pipe before the close
            }
            Closed c = (Closed) e;
            assertEquals(code, c.code(), () -> "close reason: " + c.reason());
            return c;
        }
    }

    /** Nothing but acks, heartbeats and pongs arrives for the given time. */
    void assertQuiet(Duration time) {
        long end = System.nanoTime() + time.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Event e;
            try {
                e = events.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new AssertionError(ie);
            }
            if (e == null || e instanceof Pong || (e instanceof Text t && noteRoutine(t))) {
                continue;
            }
            fail("expected nothing but got " + e);
        }
    }

    long lastAck() {
        return lastAck;
    }

    int heartbeats() {
        return heartbeats;
    }

    boolean isOpen() {
        Session s = session;
        return s != null && s.isOpen();
    }

    private boolean noteRoutine(Text t) {
        switch (t.type()) {
            case "ack" -> {
                long seq = t.json().path("seq").asLong();
                assertTrue(seq >= lastAck, () -> "acks went backwards: " + seq + " after " + lastAck);
                lastAck = seq;
                acks.add(t.json());
                return true;
            }
            case "heartbeat" -> {
                heartbeats++;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** Closes the connection without ending the session (it waits for a resume). */
    void drop() {
        Session s = session;
        if (s != null && s.isOpen()) {
            try {
                s.close();
            } catch (IOException | RuntimeException ignored) {
                // already closing
            }
        }
    }

    /** The next event, or null if none comes within {@code wait}. */
    Event poll(Duration wait) throws InterruptedException {
        return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Ends the session politely (so it stops counting against limits) and closes. */
    @Override
    public void close() {
        Session s = session;
        if (s != null && s.isOpen()) {
            try {
                if (started) {
                    s.getBasicRemote().sendText("{\"type\":\"end\"}");
                }
                s.close();
            } catch (IOException | RuntimeException ignored) {
                // already closing
            }
        }
    }
}
