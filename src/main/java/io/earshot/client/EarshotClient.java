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
import java.util.ArrayDeque;
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
 * <p>Thread-safe: {@link #send} may be called from any thread. Listener callbacks come on the WebSocket
 * container's threads and the client's own timer thread. Tested by ClientIT against the real server.
 */
public final class EarshotClient implements AutoCloseable {

    /** Connection states, as the browser client has them. */
    public enum State { CONNECTING, CONNECTED, RECONNECTING, DISCONNECTED, POLLING }

    /** What the client reports; every method is called on a client thread, one call at a time. */
    public interface Listener {
        default void state(State state, int attempt, long delayMs) {
        }

        default void started(JsonNode started) {
        }

        /** A session event ({@code transcript}, {@code mark}, {@code ended}), each exactly once. */
        default void event(JsonNode event) {
        }

        default void error(ClientException error) {
        }

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
    private final Listener listener;
    private final WebSocketContainer container;
    private final HttpClient httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
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
    private final ArrayDeque<byte[]> unacked = new ArrayDeque<>();
    private long unackedFirstSeq = 1;
    private long unackedBytes;
    private int attempt;
    private boolean ending;
    /** {@code end} went out on the current connection (after every chunk did). */
    private boolean endSent;
    private boolean ended;
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
        synchronized (this) {
            state = s;
        }
        listener.state(s, attempt, delayMs);
    }

    private void connect(State s) {
        setState(s, 0);
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create().preferredSubprotocols(List.of("earshot.v1"))
                .configurator(new ClientEndpointConfig.Configurator() {
                    @Override
                    public void beforeRequest(Map<String, List<String>> headers) {
                        String t = token.get();
                        if (t != null) {
                            headers.put("Authorization", List.of("Bearer " + t));
                        }
                    }
                }).build();
        try {
            container.connectToServer(new Conn(), config, stream);
        } catch (Exception e) {
            dropped(1006, String.valueOf(e.getMessage()));
        }
    }

    private final class Conn extends Endpoint {
        private Session mine;

        @Override
        public void onOpen(Session session, EndpointConfig config) {
            mine = session;
            session.setMaxTextMessageBufferSize(1 << 20);
            synchronized (EarshotClient.this) {
                ws = session;
            }
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> message(session, text));
            ObjectNode start = JSON.createObjectNode().put("type", "start").put("transcribe", transcribe)
                    .put("sample_rate", sampleRate).put("channels", channels);
            start.putPOJO("codecs", codecs);
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
            case "going_away" -> acked(m.path("last_seq").asLong());
            case "error" -> serverError(m);
            case "ended" -> {
                synchronized (this) {
                    ended = true;
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
            sentSeq = 0;
            endSent = false;
        }
        setState(State.CONNECTED, 0);
        acked(m.path("last_acked_seq").asLong());
        pump();
        timer.schedule(() -> {
            synchronized (this) {
                if (ws == session && state == State.CONNECTED) {
                    attempt = 0;
                }
            }
        }, 15, TimeUnit.SECONDS);
        listener.started(m);
        startedFuture.complete(m);
    }

    private void acked(long seq) {
        synchronized (this) {
            if (seq <= lastAcked) {
                return;
            }
            lastAcked = seq;
            while (!unacked.isEmpty() && unackedFirstSeq <= seq) {
                unackedBytes -= unacked.removeFirst().length;
                unackedFirstSeq++;
            }
        }
        pump();
    }

    private void serverError(JsonNode m) {
        ClientException e = new ClientException(m.path("code").asText(), m.path("message").asText());
        if (e.code().equals("resume_rejected")) {
            exhausted(e);
            return;
        }
        listener.error(e);
        boolean started;
        synchronized (this) {
            started = sessionId != null;
        }
        if (!started && (!m.path("fatal").asBoolean() || !m.path("retryable").asBoolean())) {
            startedFuture.completeExceptionally(e);
            close();
        }
    }

    /** Queues one chunk and sends it when the credit window allows; returns its sequence number. */
    public long send(byte[] chunk) throws ClientException {
        long seq;
        synchronized (this) {
            if (ending || ended) {
                throw new ClientException("session_ended", "The session takes no more audio.");
            }
            if (unackedBytes + chunk.length > maxBufferedBytes) {
                throw new ClientException("buffer_full", "Too much audio is waiting for the server.");
            }
            seq = nextSeq++;
            unacked.addLast(chunk.clone());
            unackedBytes += chunk.length;
        }
        pump();
        return seq;
    }

    /** Frames go out one pump at a time, in sequence order (two threads sending would reorder them). */
    private final Object sendLock = new Object();

    private void pump() {
        synchronized (sendLock) {
            pumpLocked();
        }
    }

    private void pumpLocked() {
        Session session;
        List<byte[]> chunks = new ArrayList<>();
        long first;
        synchronized (this) {
            session = ws;
            if (session == null || state != State.CONNECTED) {
                return;
            }
            first = Math.max(sentSeq, lastAcked) + 1;
            long last = Math.min(nextSeq - 1, lastAcked + window);
            long seq = unackedFirstSeq;
            for (byte[] c : unacked) {
                if (seq >= first && seq <= last) {
                    chunks.add(c);
                }
                seq++;
            }
            if (chunks.isEmpty()) {
                maybeEnd(session);
                return;
            }
            sentSeq = first + chunks.size() - 1;
        }
        for (int i = 0; i < chunks.size(); i += 25) {
            List<byte[]> group = chunks.subList(i, Math.min(chunks.size(), i + 25));
            try {
                session.getBasicRemote().sendBinary(frame(first + i, group));
            } catch (IOException | RuntimeException e) {
                return; // the close callback resumes
            }
        }
        maybeEnd(session);
    }

    /** Sends {@code end} once every chunk has gone out: the server ends with everything it was sent. */
    private void maybeEnd(Session session) {
        synchronized (this) {
            if (!ending || ended || endSent || sentSeq < nextSeq - 1 || ws != session) {
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
        }
        pump(); // sends end once every chunk is out
        return endedFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void dropped(int code, String reason) {
        long delay;
        synchronized (this) {
            if (ended) {
                state = State.DISCONNECTED;
                return;
            }
            if (code == 1008) {
                fail(new ClientException("unauthorized", "The server refused the credentials."));
                return;
            }
            if (attempt >= delaysMs.size()) {
                delay = -1;
            } else {
                delay = Math.round(delaysMs.get(attempt) * (1 + 0.25 * ThreadLocalRandom.current().nextDouble()));
                attempt++;
            }
        }
        if (delay < 0) {
            exhausted(new ClientException("reconnect_exhausted", "The connection was lost and could not be restored."));
            return;
        }
        setState(State.RECONNECTING, delay);
        timer.schedule(() -> connect(State.RECONNECTING), delay, TimeUnit.MILLISECONDS);
    }

    private void fail(ClientException e) {
        state = State.DISCONNECTED;
        listener.error(e);
        startedFuture.completeExceptionally(e);
        endedFuture.completeExceptionally(e);
    }

    private void exhausted(ClientException e) {
        setState(State.DISCONNECTED, 0);
        listener.error(e);
        boolean canHandOff;
        synchronized (this) {
            canHandOff = fallbackToJob && sessionId != null;
        }
        if (!canHandOff) {
            startedFuture.completeExceptionally(e);
            endedFuture.completeExceptionally(e);
            return;
        }
        timer.execute(() -> {
            try {
                endedFuture.complete(handOff());
            } catch (Exception failure) {
                endedFuture.completeExceptionally(failure);
            }
        });
    }

    /** Hands the session off to a job, uploads the unacknowledged tail, follows the job; returns its final record. */
    public JsonNode handOff() throws Exception {
        String id;
        String resume;
        List<byte[]> tail = new ArrayList<>();
        long tailFirst;
        synchronized (this) {
            ending = true;
            id = sessionId;
            resume = resumeToken;
            tail.addAll(unacked);
            tailFirst = unackedFirstSeq;
        }
        JsonNode job = json(send(request("/v1/sessions/" + id + "/job?tail=true")
                .header("Earshot-Session-Token", resume).POST(HttpRequest.BodyPublishers.noBody())));
        long from = job.path("next_seq").asLong(tailFirst);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = (int) Math.max(0, from - tailFirst); i < tail.size(); i += 50) {
            ByteBuffer f = frame(tailFirst + i, tail.subList(i, Math.min(tail.size(), i + 50)));
            body.writeBytes(ByteBuffer.allocate(4).putInt(f.remaining()).array());
            byte[] bytes = new byte[f.remaining()];
            f.get(bytes);
            body.writeBytes(bytes);
        }
        json(send(request("/v1/jobs/" + job.path("id").asText() + "/tail").header("Content-Type",
                "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))));
        synchronized (this) {
            ended = true;
        }
        return followJob(job.path("id").asText());
    }

    /** Follows a job by long-polling until it is final; reports each record to the listener. */
    public JsonNode followJob(String jobId) throws Exception {
        setState(State.POLLING, 0);
        long seen = 0;
        while (true) {
            HttpResponse<String> r = send(request("/v1/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8)
                    + "?wait=25").GET());
            if (r.statusCode() == 304) {
                continue;
            }
            JsonNode job = json(r);
            if (job.path("event_id").asLong() > seen) {
                seen = job.path("event_id").asLong();
                listener.job(job, "polling");
            }
            String stage = job.path("stage").asText();
            if (stage.equals("complete") || stage.equals("failed") || stage.equals("cancelled")) {
                return job;
            }
        }
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
        return httpClient.send(b.build(), HttpResponse.BodyHandlers.ofString());
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
        }
        timer.shutdownNow();
        if (session != null) {
            try {
                session.close();
            } catch (IOException e) {
                // closed already
            }
        }
    }
}
