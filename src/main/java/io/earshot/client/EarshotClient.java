package io.earshot.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.WebSocketContainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Earshot's Java client for one streaming session, on the Jakarta WebSocket client API, with the semantics of
 * the browser client (docs/api/client.md): reconnect at once, then after 1, 2, 4, 8 s with jitter, at most 5
 * attempts; resume with the unacknowledged chunks and the missed events, each event delivered once; when
 * reconnection is exhausted, hand the session off to a job, upload only the unacknowledged tail and follow the
 * job to its end.
 *
 * <p>Thread-safe: {@link #send} may be called from any thread (see {@link Listener} for where callbacks come
 * from). Tested by ClientIT against the real server.
 */
public final class EarshotClient implements AutoCloseable {

    /** Connection states, as the browser client has them. */
    public enum State { CONNECTING, CONNECTED, RECONNECTING, DISCONNECTED, POLLING }

    /**
     * What the client reports. Calls come from the client's threads (the WebSocket container's, its timer's and
     * its sender's), never while the client holds a lock, and may overlap: keep them short and thread-safe.
     */
    public interface Listener {
        default void state(State state, int attempt, long delayMs) {
        }

        default void started(JsonNode started) {
        }

        /** Every chunk up to {@code seq} is stored on the server (a cumulative acknowledgement). */
        default void acked(long seq) {
        }

        /** A session event ({@code transcript}, {@code mark}, {@code ended}), each exactly once. */
        default void event(JsonNode event) {
        }

        default void error(ClientException error) {
        }

        /** A job record, each one once; {@code mode} is {@code live} (WebSocket) or {@code polling}. */
        default void job(JsonNode job, String mode) {
        }
    }

    /** An error with the server's (or the client's) stable code. */
    public static final class ClientException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;

        public ClientException(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The largest chunk {@link #send} takes, as in the browser client (limits.maxChunkBytes). */
    public static final int MAX_CHUNK_BYTES = 64 * 1024;

    private final URI stream;
    private final String http;
    private final Supplier<String> token;
    private final List<String> codecs;
    private final int sampleRate;
    private final int channels;
    private final boolean transcribe;
    private final List<Long> delaysMs;
    private final long maxBufferedBytes;
    private final boolean fallbackToJob;
    private final long requestedHeartbeatMs;
    private final Listener listener;
    private final WebSocketContainer container;
    /** Made on first use: most sessions never need HTTP (an HttpClient holds a thread of its own). */
    private HttpClient httpClient;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "earshot-client");
        t.setDaemon(true);
        return t;
    });

    // Guarded by this.
    private Session ws;
    private State state = State.DISCONNECTED;
    private String sessionId;
    private String resumeToken;
    private int window = 64;
    private long lastAcked;
    private long nextSeq = 1;
    private long sentSeq;
    private long lastEventSeq;
    /**
     * The chunks not yet acknowledged, from {@code unacked[unackedHead]} (sequence number
     * {@code unackedFirstSeq}) on: indexed, since a send picks its chunks by sequence number.
     */
    private final ArrayList<byte[]> unacked = new ArrayList<>();
    private int unackedHead;
    private long unackedFirstSeq = 1;
    /** Largest binary message the server takes ({@code started.limits.max_binary_payload}). */
    private int maxFrameBytes = 256 * 1024;
    /** A pump is queued on the sender thread and has not started yet. */
    private boolean pumpQueued;
    /** No frame goes out before this (System.nanoTime), after a {@code rate_limited} refusal. */
    private long holdUntil;
    /** The server's latest {@code retry_after_ms} (going_away, rate_limited, server_busy): the next wait's floor. */
    private long retryAfterMs;
    /** {@link #close} was called: nothing more connects, sends or reports. */
    private boolean closed;
    private long unackedBytes;
    private int attempt;
    private boolean ending;
    /** {@code end} went out on the current connection (once every chunk was stored). */
    private boolean endSent;
    private boolean ended;
    /** When the current connection last received anything (System.nanoTime), and its heartbeat interval. */
    private long lastHeard;
    private long heartbeatMs = 30_000;
    private java.util.concurrent.ScheduledFuture<?> watchdog;
    private final CompletableFuture<JsonNode> startedFuture = new CompletableFuture<>();
    private final CompletableFuture<JsonNode> endedFuture = new CompletableFuture<>();

    private EarshotClient(Builder b) {
        String base = b.server.replaceAll("/+$", "").replaceAll("/v1/stream$", "");
        URI u = URI.create(base);
        boolean secure = u.getScheme().equals("https") || u.getScheme().equals("wss");
        String host = u.getHost();
        if (!secure && !("localhost".equals(host) || "127.0.0.1".equals(host) || "[::1]".equals(host))) {
            throw new IllegalArgumentException("use https:// or wss:// for a server on another machine");
        }
        String rest = base.substring(base.indexOf("://") + 3);
        this.http = (secure ? "https://" : "http://") + rest;
        this.stream = URI.create((secure ? "wss://" : "ws://") + rest + "/v1/stream");
        this.token = b.token;
        this.codecs = List.copyOf(b.codecs);
        this.sampleRate = b.sampleRate;
        this.channels = b.channels;
        this.transcribe = b.transcribe;
        this.delaysMs = List.copyOf(b.delaysMs);
        this.maxBufferedBytes = b.maxBufferedBytes;
        this.fallbackToJob = b.fallbackToJob;
        this.requestedHeartbeatMs = b.heartbeatIntervalMs;
        this.listener = b.listener;
        this.container = b.container != null ? b.container : ContainerProvider.getWebSocketContainer();
    }

    public static Builder builder(String server) {
        return new Builder(server);
    }

    /** Settings of a client; defaults as in the browser client. */
    public static final class Builder {
        private final String server;
        private Supplier<String> token = () -> null;
        private List<String> codecs = List.of("pcm_s16le");
        private int sampleRate = 16_000;
        private int channels = 1;
        private boolean transcribe = true;
        private List<Long> delaysMs = List.of(0L, 1_000L, 2_000L, 4_000L, 8_000L);
        private long maxBufferedBytes = 8L << 20;
        private boolean fallbackToJob = true;
        private long heartbeatIntervalMs;
        private Listener listener = new Listener() {
        };
        private WebSocketContainer container;

        private Builder(String server) {
            this.server = Objects.requireNonNull(server);
        }

        public Builder token(Supplier<String> supplier) {
            this.token = supplier;
            return this;
        }

        public Builder audio(List<String> offeredCodecs, int rate, int channelCount) {
            this.codecs = offeredCodecs;
            this.sampleRate = rate;
            this.channels = channelCount;
            return this;
        }

        public Builder transcribe(boolean on) {
            this.transcribe = on;
            return this;
        }

        public Builder reconnectDelaysMs(List<Long> delays) {
            this.delaysMs = delays;
            return this;
        }

        public Builder maxBufferedBytes(long bytes) {
            this.maxBufferedBytes = bytes;
            return this;
        }

        public Builder fallbackToJob(boolean on) {
            this.fallbackToJob = on;
            return this;
        }

        /**
         * Asks the server for heartbeats this often (at least 500 ms; the server's interval, 30 s by default,
         * when unset or longer). A connection silent for two intervals and 5 s is taken for dead and resumed.
         */
        public Builder heartbeatIntervalMs(long ms) {
            this.heartbeatIntervalMs = ms;
            return this;
        }

        public Builder listener(Listener l) {
            this.listener = l;
            return this;
        }

        public Builder container(WebSocketContainer c) {
            this.container = c;
            return this;
        }

        public EarshotClient build() {
            return new EarshotClient(this);
        }
    }

    /** Connects and starts the session; returns {@code started}. */
    public JsonNode start(Duration timeout) throws Exception {
        connect(State.CONNECTING);
        return startedFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void setState(State s, long delayMs) {
        int tries;
        synchronized (this) {
            state = s;
            tries = attempt;
        }
        listener.state(s, tries, delayMs);
    }

    private void connect(State s) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        setState(s, 0);
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create().preferredSubprotocols(List.of("earshot.v1"))
                .configurator(bearer()).build();
        try {
            container.connectToServer(new Conn(), config, stream);
        } catch (Exception e) {
            dropped(1006, String.valueOf(e.getMessage()));
        }
    }

    private final class Conn extends Endpoint {
        @Override
        public void onOpen(Session session, EndpointConfig config) {
            session.setMaxTextMessageBufferSize(1 << 20);
            boolean late;
            synchronized (EarshotClient.this) {
                late = closed;
                if (!late) {
                    ws = session;
                }
            }
            if (late) {
                closeQuietly(session, "client closed");
                return;
            }
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> message(session, text));
            ObjectNode start = JSON.createObjectNode().put("type", "start").put("transcribe", transcribe)
                    .put("sample_rate", sampleRate).put("channels", channels);
            start.putPOJO("codecs", codecs);
            if (requestedHeartbeatMs > 0) {
                start.putObject("limits").put("heartbeat_interval_ms", requestedHeartbeatMs);
            }
            synchronized (EarshotClient.this) {
                if (sessionId != null) {
                    start.putObject("resume").put("session_id", sessionId).put("resume_token", resumeToken)
                            .put("last_event_seq", lastEventSeq);
                }
            }
            sendText(session, start.toString());
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            boolean current;
            synchronized (EarshotClient.this) {
                current = ws == session;
                if (current) {
                    ws = null;
                }
            }
            if (current) {
                dropped(reason.getCloseCode().getCode(), reason.getReasonPhrase());
            }
        }

        @Override
        public void onError(Session session, Throwable failure) {
            // onClose follows
        }
    }

    private void message(Session session, String text) {
        synchronized (this) {
            if (ws == session) {
                lastHeard = System.nanoTime();
            }
        }
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (IOException e) {
            return;
        }
        String type = m.path("type").asText();
        synchronized (this) {
            if (m.has("event_seq")) {
                if (m.path("event_seq").asLong() <= lastEventSeq) {
                    return; // seen before a reconnect: each event once
                }
                lastEventSeq = m.path("event_seq").asLong();
            }
        }
        switch (type) {
            case "started" -> started(session, m);
            case "ack" -> acked(m.path("seq").asLong());
            case "going_away" -> {
                synchronized (this) {
                    retryAfterMs = Math.max(retryAfterMs, m.path("retry_after_ms").asLong(0));
                }
                acked(m.path("last_seq").asLong());
            }
            case "error" -> serverError(session, m);
            case "ended" -> {
                long missing;
                synchronized (this) {
                    ended = true;
                    missing = nextSeq - 1 - m.path("last_seq").asLong(nextSeq - 1);
                    notifyAll();
                }
                if (missing > 0) {
                    // The server ended the session (max_duration, a hand-off by HTTP, ...) before taking them:
                    // they are still in this client, and handOff() can send them to a job.
                    listener.error(new ClientException("audio_not_stored", missing + " chunk(s) after seq "
                            + m.path("last_seq").asLong() + " were not stored: the session ended ("
                            + m.path("reason").asText() + ")."));
                }
                listener.event(m);
                endedFuture.complete(m);
            }
            case "heartbeat", "pong", "flow" -> {
                // liveness and flow hints
            }
            default -> listener.event(m);
        }
    }

    private void started(Session session, JsonNode m) {
        synchronized (this) {
            sessionId = m.path("session_id").asText();
            if (m.hasNonNull("resume_token")) {
                resumeToken = m.path("resume_token").asText();
            }
            window = m.path("window").asInt(window);
            maxFrameBytes = m.path("limits").path("max_binary_payload").asInt(maxFrameBytes);
            heartbeatMs = m.path("heartbeat_interval_ms").asLong(heartbeatMs);
            sentSeq = 0;
            endSent = false;
            holdUntil = 0;
            lastHeard = System.nanoTime();
            if ("ended".equals(m.path("state").asText())) {
                ended = true; // resumed after the session ended: nothing more is taken; its ended event follows
            }
            if (watchdog == null) {
                long every = Math.max(250, Math.min(heartbeatMs, 5_000));
                watchdog = timer.scheduleWithFixedDelay(this::checkAlive, every, every, TimeUnit.MILLISECONDS);
            }
        }
        setState(State.CONNECTED, 0);
        acked(m.path("last_acked_seq").asLong());
        pump();
        try {
            timer.schedule(() -> {
                synchronized (this) {
                    if (ws == session && state == State.CONNECTED) {
                        attempt = 0; // a healthy connection: the next drop starts counting again
                    }
                }
            }, 15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return;
        }
        listener.started(m);
        startedFuture.complete(m);
    }

    /**
     * A connection on which nothing (no heartbeat, ack or event) arrived for two heartbeat intervals and 5 s is
     * dead, however open the socket looks (a proxy or NAT dropped it silently): it is given up and the session
     * resumed on a new one, as after any other drop.
     */
    private void checkAlive() {
        Session dead;
        synchronized (this) {
            if (ws == null || state != State.CONNECTED
                    || System.nanoTime() - lastHeard < TimeUnit.MILLISECONDS.toNanos(2 * heartbeatMs + 5_000)) {
                return;
            }
            dead = ws;
            ws = null;
        }
        closeQuietly(dead, "heartbeat timeout");
        dropped(1006, "heartbeat timeout");
    }

    /**
     * Closes a connection on a thread of its own: a close on a silent connection can wait for an answer that
     * never comes, and the caller may be a thread the client needs.
     */
    private static void closeQuietly(Session session, String reason) {
        Thread closer = new Thread(() -> {
            try {
                session.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, reason));
            } catch (IOException | RuntimeException e) {
                // it is gone either way
            }
        }, "earshot-client-close");
        closer.setDaemon(true);
        closer.start();
    }

    private void acked(long seq) {
        boolean waiting;
        synchronized (this) {
            if (seq <= lastAcked) {
                return;
            }
            lastAcked = seq;
            while (unackedHead < unacked.size() && unackedFirstSeq <= seq) {
                unackedBytes -= unacked.get(unackedHead).length;
                unacked.set(unackedHead++, null);
                unackedFirstSeq++;
            }
            if (unackedHead > 4096 && unackedHead * 2 > unacked.size()) {
                unacked.subList(0, unackedHead).clear();
                unackedHead = 0;
            }
            notifyAll(); // senders waiting for room
            waiting = sentSeq < nextSeq - 1 || (ending && !endSent);
        }
        listener.acked(seq);
        if (waiting) {
            pump(); // chunks the window held back, or end
        }
    }

    private void serverError(Session session, JsonNode m) {
        String code = m.path("code").asText();
        ClientException e = new ClientException(code, m.path("message").asText());
        if (code.equals("resume_rejected")) {
            // The session is gone on the server (grace period over, or not this caller's): this connection is
            // of no more use, and must not come back through onClose as a drop to resume.
            synchronized (this) {
                if (ws == session) {
                    ws = null;
                }
            }
            closeQuietly(session, "resume rejected");
            exhausted(e);
            return;
        }
        long resendFrom = switch (code) {
            case "out_of_order" -> m.path("expected_seq").asLong(0); // resend from there
            case "window_exceeded" -> m.path("last_acked_seq").asLong(-1) + 1; // and wait for acks
            case "rate_limited" -> m.path("seq").asLong(0); // the frame from seq was not stored
            default -> 0;
        };
        long wait = m.path("retry_after_ms").asLong(0);
        synchronized (this) {
            retryAfterMs = Math.max(retryAfterMs, wait);
            if (resendFrom > 0 && ws == session) {
                // Nothing from the refused frame on was stored: send it all again, after the server's wait.
                sentSeq = Math.max(lastAcked, Math.min(sentSeq, resendFrom - 1));
                if (wait > 0) {
                    holdUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
                }
            }
        }
        listener.error(e);
        if (resendFrom > 0) {
            pumpAfter(wait);
        }
        boolean started;
        synchronized (this) {
            started = sessionId != null;
        }
        if (!started && (!m.path("fatal").asBoolean() || !m.path("retryable").asBoolean())) {
            startedFuture.completeExceptionally(e);
            close();
        }
    }

    private void pumpAfter(long ms) {
        if (ms <= 0) {
            pump();
            return;
        }
        try {
            timer.schedule(this::pump, ms, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed
        }
    }

    /**
     * Queues one chunk and sends it when the credit window allows; returns its sequence number. Throws
     * {@code buffer_full} at once when the unacknowledged audio would exceed {@code maxBufferedBytes}.
     */
    public long send(byte[] chunk) throws ClientException {
        try {
            return send(chunk, Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted", "Interrupted.");
        }
    }

    /**
     * As {@link #send(byte[])}, but waits up to {@code maxWait} for acknowledgements to make room in the buffer
     * before giving up with {@code buffer_full}: the way to stream a file as fast as the server takes it.
     */
    public long send(byte[] chunk, Duration maxWait) throws ClientException, InterruptedException {
        if (chunk.length == 0) {
            throw new ClientException("bad_chunk", "A chunk must hold at least one byte.");
        }
        if (chunk.length > MAX_CHUNK_BYTES) {
            throw new ClientException("chunk_too_large", "A chunk may hold at most " + MAX_CHUNK_BYTES + " bytes.");
        }
        long seq;
        long deadline = System.nanoTime() + maxWait.toNanos();
        synchronized (this) {
            while (true) {
                if (ending || ended) {
                    throw new ClientException("session_ended", "The session takes no more audio.");
                }
                if (unackedBytes + chunk.length <= maxBufferedBytes) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ClientException("buffer_full", "Too much audio is waiting for the server.");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            seq = nextSeq++;
            unacked.add(chunk.clone());
            unackedBytes += chunk.length;
        }
        pump();
        return seq;
    }

    /** Frames larger than this are not built (unless one chunk is larger): acks come per frame. */
    private static final int FRAME_TARGET_BYTES = 64 * 1024;

    /**
     * Frames go out from one sender thread, in sequence order. A send only queues its chunk and wakes the sender,
     * which takes every chunk the credit window allows: one chunk a frame when audio comes in real time (no added
     * delay), many a frame when the caller is faster than the connection.
     */
    private final java.util.concurrent.ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "earshot-client-send");
        t.setDaemon(true);
        return t;
    });

    private void pump() {
        synchronized (this) {
            if (pumpQueued) {
                return;
            }
            pumpQueued = true;
        }
        try {
            sender.execute(this::pumpNow);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed: nothing more goes out
        }
    }

    private void pumpNow() {
        Session session;
        List<byte[]> chunks = new ArrayList<>();
        long first;
        int frameLimit;
        synchronized (this) {
            pumpQueued = false;
            session = ws;
            if (session == null || state != State.CONNECTED || ended) {
                return;
            }
            long hold = holdUntil - System.nanoTime();
            if (holdUntil != 0 && hold > 0) {
                pumpAfter(TimeUnit.NANOSECONDS.toMillis(hold) + 1);
                return;
            }
            first = Math.max(sentSeq, lastAcked) + 1;
            long last = Math.min(nextSeq - 1, lastAcked + window);
            for (long seq = first; seq <= last; seq++) {
                chunks.add(unacked.get(unackedHead + (int) (seq - unackedFirstSeq)));
            }
            sentSeq = first + chunks.size() - 1;
            frameLimit = Math.min(FRAME_TARGET_BYTES, maxFrameBytes);
        }
        long seq = first;
        for (ByteBuffer f : frames(first, chunks, frameLimit)) {
            try {
                session.getBasicRemote().sendBinary(f);
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    if (ws == session) {
                        sentSeq = Math.min(sentSeq, seq - 1); // not sent: the next pump sends it again
                    }
                }
                return; // and if the connection is gone, the close callback resumes
            }
            seq += f.getShort(2) & 0xFFFF;
        }
        maybeEnd(session);
    }

    /** Chunks from {@code first} as frames of at most {@code limit} bytes each (a larger chunk alone). */
    static List<ByteBuffer> frames(long first, List<byte[]> chunks, int limit) {
        List<ByteBuffer> out = new ArrayList<>();
        int from = 0;
        while (from < chunks.size()) {
            int to = from;
            int bytes = 8;
            while (to < chunks.size() && to - from < 65_535
                    && (to == from || bytes + 4 + chunks.get(to).length <= limit)) {
                bytes += 4 + chunks.get(to++).length;
            }
            out.add(frame(first + from, chunks.subList(from, to)));
            from = to;
        }
        return out;
    }

    /**
     * Sends {@code end} once every chunk is stored (acknowledged): the server ends with everything, even when it
     * refused a frame that had to go again.
     */
    private void maybeEnd(Session session) {
        synchronized (this) {
            if (!ending || ended || endSent || lastAcked < nextSeq - 1 || ws != session) {
                return;
            }
            endSent = true;
        }
        sendText(session, "{\"type\":\"end\"}");
    }

    /** A binary audio frame (docs/api/streaming.md, section 6). */
    static ByteBuffer frame(long firstSeq, List<byte[]> chunks) {
        int size = 8;
        for (byte[] c : chunks) {
            size += 4 + c.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) 1).put((byte) 0).putShort((short) chunks.size()).putInt((int) firstSeq);
        for (byte[] c : chunks) {
            b.putInt(c.length).put(c);
        }
        return b.flip();
    }

    /** Ends the session once everything is stored; returns {@code ended} (or the job, when handed off). */
    public JsonNode end(Duration timeout) throws Exception {
        synchronized (this) {
            ending = true;
            notifyAll();
        }
        pump(); // sends end once every chunk is stored
        return endedFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The {@code n}th reconnect delay, stretched by up to 25 % so that clients dropped together spread out. */
    private long jittered(int n) {
        return Math.round(delaysMs.get(n) * (1 + 0.25 * ThreadLocalRandom.current().nextDouble()));
    }

    private void dropped(int code, String reason) {
        long delay;
        ClientException stop = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (ended) {
                state = State.DISCONNECTED;
                return;
            }
            switch (code) {
                case 1008 -> stop = new ClientException("unauthorized", "The server refused the credentials.");
                case 4003 -> stop = new ClientException("session_taken_over",
                        "Another connection resumed this session; this client stopped.");
                case 1002 -> stop = new ClientException("protocol_error", "The server closed for a protocol error: "
                        + reason);
                default -> {
                }
            }
            if (stop != null) {
                state = State.DISCONNECTED;
                ending = true;
                notifyAll();
                delay = 0;
            } else if (attempt >= delaysMs.size()) {
                delay = -1;
            } else {
                delay = Math.max(jittered(attempt), retryAfterMs); // never sooner than the server asked
                retryAfterMs = 0;
                attempt++;
            }
        }
        if (stop != null) {
            // Not retried: the same credentials, or another owner, would get the same answer.
            listener.state(State.DISCONNECTED, attempt, 0);
            listener.error(stop);
            startedFuture.completeExceptionally(stop);
            endedFuture.completeExceptionally(stop);
            return;
        }
        if (delay < 0) {
            exhausted(new ClientException("reconnect_exhausted", "The connection was lost and could not be restored."));
            return;
        }
        setState(State.RECONNECTING, delay);
        try {
            timer.schedule(() -> connect(State.RECONNECTING), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed
        }
    }

    private void exhausted(ClientException e) {
        setState(State.DISCONNECTED, 0);
        listener.error(e);
        boolean canHandOff;
        synchronized (this) {
            canHandOff = fallbackToJob && sessionId != null;
        }
        if (!canHandOff) {
            synchronized (this) {
                ending = true;
                notifyAll();
            }
            startedFuture.completeExceptionally(e);
            endedFuture.completeExceptionally(e);
            return;
        }
        Thread t = new Thread(() -> {
            try {
                endedFuture.complete(handOff());
            } catch (Exception failure) {
                endedFuture.completeExceptionally(failure);
            }
        }, "earshot-client-handoff");
        t.setDaemon(true);
        t.start();
    }

    /** Hands the session off to a job, uploads the unacknowledged tail, follows the job; returns its final record. */
    public JsonNode handOff() throws Exception {
        String id;
        String resume;
        List<byte[]> tail = new ArrayList<>();
        long tailFirst;
        synchronized (this) {
            ending = true;
            notifyAll();
            id = sessionId;
            resume = resumeToken;
            tail.addAll(unacked.subList(unackedHead, unacked.size()));
            tailFirst = unackedFirstSeq;
        }
        // Both requests are retried while the server is unreachable or answers 5xx/429 (a restart, a full queue):
        // the tail exists only in this client.
        JsonNode job = json(sendRetrying(() -> request("/v1/sessions/" + id + "/job?tail=true")
                .header("Earshot-Session-Token", resume).POST(HttpRequest.BodyPublishers.noBody())));
        long from = job.path("next_seq").asLong(tailFirst);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int skip = (int) Math.min(tail.size(), Math.max(0, from - tailFirst));
        int limit;
        synchronized (this) {
            limit = Math.min(FRAME_TARGET_BYTES, maxFrameBytes);
        }
        for (ByteBuffer f : frames(tailFirst + skip, tail.subList(skip, tail.size()), limit)) {
            body.writeBytes(ByteBuffer.allocate(4).putInt(f.remaining()).array());
            byte[] bytes = new byte[f.remaining()];
            f.get(bytes);
            body.writeBytes(bytes);
        }
        byte[] tailBody = body.toByteArray();
        json(sendRetrying(() -> request("/v1/jobs/" + job.path("id").asText() + "/tail").header("Content-Type",
                "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(tailBody))));
        synchronized (this) {
            ended = true;
        }
        return followJob(job.path("id").asText());
    }

    private static boolean isFinal(JsonNode job) {
        String stage = job == null ? "" : job.path("stage").asText();
        return stage.equals("complete") || stage.equals("failed") || stage.equals("cancelled");
    }

    /**
     * Follows a job until it is final and returns its final record, reporting each record to the listener once:
     * live over the WebSocket {@code /v1/jobs/{id}/events} (docs/api/jobs.md, section 10), re-subscribing with
     * {@code after} when the connection drops (on the reconnect schedule); by long-polling
     * {@code GET /v1/jobs/{id}?wait=25} (state {@code POLLING}) when the WebSocket cannot connect at all, the
     * server is too busy for subscribers, or the reconnects are used up.
     */
    public JsonNode followJob(String jobId) throws Exception {
        JobFollow follow = new JobFollow(jobId);
        int drops = 0;
        while (true) {
            long began = System.nanoTime();
            int code = follow.live();
            if (System.nanoTime() - began > TimeUnit.SECONDS.toNanos(15)) {
                drops = 0; // it was healthy: a blip hours into a long job starts the count again
            }
            if (isFinal(follow.last)) {
                return follow.last;
            }
            switch (code) {
                case 1008 -> throw new ClientException("unauthorized", "The server refused the credentials.");
                case 4404 -> throw new ClientException("job_not_found", "No job with this id is stored on the server.");
                case 4400 -> throw new ClientException("bad_request", "The server refused the subscription.");
                default -> {
                }
            }
            // 1000 without a final record: the job finished in a record this connection did not carry.
            boolean poll = code == 1000 || code == 1013 || code == -1 || drops >= delaysMs.size();
            if (poll) {
                return follow.poll();
            }
            Thread.sleep(jittered(drops++));
        }
    }

    /** The state of one {@link #followJob}: the last record seen, shared by its WebSocket and polling phases. */
    private final class JobFollow {
        private final String id;
        private volatile JsonNode last;

        JobFollow(String id) {
            this.id = id;
        }

        private long lastEventId() {
            JsonNode l = last;
            return l == null ? 0 : l.path("event_id").asLong();
        }

        private synchronized void record(JsonNode job, String mode) {
            if (job.path("event_id").asLong() > lastEventId()) {
                last = job;
                listener.job(job, mode);
            }
        }

        /**
         * One subscription, until it closes; returns its close code, or -1 when it could not connect. Nothing
         * heard for two server heartbeats (30 s each by default) and 5 s counts as a drop.
         */
        int live() throws InterruptedException {
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicLong heard = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
            ClientEndpointConfig config = ClientEndpointConfig.Builder.create()
                    .preferredSubprotocols(List.of("earshot.jobs.v1")).configurator(bearer()).build();
            URI uri = URI.create(stream.toString().replaceAll("/v1/stream$", "") + "/v1/jobs/"
                    + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/events?after=" + lastEventId());
            Session session;
            try {
                session = container.connectToServer(new Endpoint() {
                    @Override
                    public void onOpen(Session s, EndpointConfig c) {
                        s.setMaxTextMessageBufferSize(1 << 20);
                        s.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                            heard.set(System.nanoTime());
                            try {
                                JsonNode m = JSON.readTree(text);
                                if (m.path("type").asText().equals("job")) {
                                    record(m.path("job"), "live");
                                }
                            } catch (IOException e) {
                                // not JSON: ignored
                            }
                        });
                    }

                    @Override
                    public void onClose(Session s, CloseReason reason) {
                        closed.complete(reason.getCloseCode().getCode());
                    }
                }, config, uri);
            } catch (Exception e) {
                return -1;
            }
            setState(State.CONNECTED, 0);
            long deadNanos = TimeUnit.SECONDS.toNanos(65);
            while (true) {
                try {
                    return closed.get(1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() - heard.get() > deadNanos) {
                        closeQuietly(session, "heartbeat timeout");
                        return 1006;
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    return 1006;
                }
            }
        }

        /**
         * Long-polls until the job is final, with {@code If-None-Match}; failures are retried as by
         * {@link #sendRetrying}. A 304 that comes back early (the server holds only so many long-polls) is
         * followed by a 2 s pause rather than a new request at once.
         */
        JsonNode poll() throws Exception {
            setState(State.POLLING, 0);
            while (true) {
                long asked = System.nanoTime();
                HttpResponse<String> r = sendRetrying(() -> {
                    HttpRequest.Builder get = request("/v1/jobs/" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                            + "?wait=25").GET();
                    if (last != null) {
                        get.header("If-None-Match", "\"" + id + "." + lastEventId() + "\"");
                    }
                    return get;
                });
                if (r.statusCode() == 304) {
                    if (System.nanoTime() - asked < TimeUnit.SECONDS.toNanos(5)) {
                        Thread.sleep(2_000);
                    }
                    continue;
                }
                record(json(r), "polling");
                if (isFinal(last)) {
                    return last;
                }
            }
        }
    }

    /**
     * Sends a request, again while the server cannot be reached or answers 5xx or 429 (a restart, a full
     * queue): after 1, 2, 4, 8, 8, ... s, or its {@code Retry-After} if longer, for at most two minutes in a
     * row; then {@code server_unreachable}. Other answers are returned as they are.
     */
    private HttpResponse<String> sendRetrying(Supplier<HttpRequest.Builder> request) throws Exception {
        long since = System.nanoTime();
        for (int failures = 1; ; failures++) {
            long retryMs = 0;
            try {
                HttpResponse<String> r = send(request.get());
                if (r.statusCode() < 500 && r.statusCode() != 429) {
                    return r;
                }
                retryMs = r.headers().firstValue("Retry-After").map(v -> {
                    try {
                        return Long.parseLong(v.trim()) * 1000;
                    } catch (NumberFormatException e) {
                        return 0L;
                    }
                }).orElse(0L);
            } catch (IOException e) {
                // unreachable: retried
            }
            if (System.nanoTime() - since > TimeUnit.MINUTES.toNanos(2)) {
                throw new ClientException("server_unreachable", "The server did not answer for two minutes.");
            }
            Thread.sleep(Math.max(retryMs, 1000L << Math.min(3, failures - 1)));
        }
    }

    /** Puts the credential into a WebSocket handshake as {@code Authorization: Bearer}. */
    private ClientEndpointConfig.Configurator bearer() {
        return new ClientEndpointConfig.Configurator() {
            @Override
            public void beforeRequest(Map<String, List<String>> headers) {
                String t = token.get();
                if (t != null) {
                    headers.put("Authorization", List.of("Bearer " + t));
                }
            }
        };
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(http + path)).timeout(Duration.ofSeconds(60));
        String t = token.get();
        if (t != null) {
            b.header("Authorization", "Bearer " + t);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpClient h;
        synchronized (this) {
            if (httpClient == null) {
                httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            }
            h = httpClient;
        }
        return h.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException, ClientException {
        JsonNode body = r.body() == null || r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() >= 300) {
            throw new ClientException(body.path("code").asText("http_" + r.statusCode()),
                    body.path("message").asText("HTTP " + r.statusCode()));
        }
        return body;
    }

    private static void sendText(Session session, String text) {
        try {
            session.getBasicRemote().sendText(text);
        } catch (IOException | RuntimeException e) {
            // the close callback resumes
        }
    }

    /** Closes the connection (the session waits on the server for a resume) and stops the client's timer. */
    @Override
    public void close() {
        Session session;
        synchronized (this) {
            session = ws;
            ws = null;
            state = State.DISCONNECTED;
            ending = true;
            closed = true;
            notifyAll();
        }
        timer.shutdownNow();
        sender.shutdownNow();
        ClientException gone = new ClientException("closed", "The client was closed.");
        startedFuture.completeExceptionally(gone); // no effect on futures already complete
        endedFuture.completeExceptionally(gone);
        if (session != null) {
            try {
                session.close();
            } catch (IOException e) {
                // closed already
            }
        }
    }
}
