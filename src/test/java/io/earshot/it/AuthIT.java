package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.engine.LibriVox;
import io.earshot.security.Authenticator;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Authentication on a real server in {@code earshot.auth.mode=keys} (its own Payara Micro): two API keys,
 * {@code alice} and {@code bob}, configured only as their SHA-256; tokens minted with {@code POST /v1/tokens}.
 * Refused credentials get 401 (REST) or {@code unauthorized} and close 1008 (WebSocket); sessions and jobs are
 * seen only by the identity that made them; no credential ever reaches the server's log. Who may see a job is the
 * subject, not its words: the server runs the fast test engine.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class AuthIT {

    private static final String ALICE = "alice-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    private static final String BOB = "bob-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    private static final String CAROL = "carol-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    private static final int CONNECTIONS_PER_MINUTE = 60;

    private static PayaraProcess server;
    /** Every credential used, to check the log holds none of them. */
    private static final List<String> secrets = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        server = new PayaraProcess(Path.of("target/auth-it"), "earshot.auth.mode=keys",
                "earshot.auth.keys=alice=" + Authenticator.hash(ALICE) + ",bob=" + Authenticator.hash(BOB)
                        + ",carol=" + Authenticator.hash(CAROL),
                "earshot.auth.token-secret=auth-it-secret-of-at-least-32-characters",
                "earshot.limits.connections-per-minute=" + CONNECTIONS_PER_MINUTE,
                "earshot.limits.max-sessions-per-client=40", "earshot.limits.max-connections=200").withEnergyEngine();
        secrets.addAll(List.of(ALICE, BOB, CAROL));
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server == null) {
            return;
        }
        server.close();
        String log = Files.readString(server.log());
        assertFalse(log.contains("AUTHENTICATION IS OFF"), "keys mode says nothing of none mode");
        assertTrue(log.contains("3 API key(s) configured"), "the startup log says how authentication stands");
        for (String s : secrets) {
            assertFalse(log.contains(s), () -> "a credential reached the server log: " + s.substring(0, 8) + "...");
        }
    }

    private static Map<String, String> bearer(String credential) {
        return Map.of("Authorization", "Bearer " + credential);
    }

    private static String mint(String key, String body) throws Exception {
        HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.uri("/v1/tokens"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(200, r.statusCode(), r::body);
        String token = PayaraProcess.json(r).path("token").asText();
        secrets.add(token);
        return token;
    }

    private static HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).GET();
        headers.forEach(b::header);
        return server.send(b);
    }

    private static URI streamWithToken(String token) {
        return URI.create(server.streamUri() + "?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }

    private static void refused(StreamClient c, String code) {
        JsonNode e = c.expectError(code);
        assertTrue(e.path("fatal").asBoolean(), e::toString);
        assertFalse(e.path("retryable").asBoolean(), e::toString);
        c.expectClosed(1008);
    }

    @Test
    void webSocketsWithoutValidCredentialsGetTheErrorAndClose1008() throws Exception {
        // none at all; a start sent at once is not acted on
        StreamClient none = StreamClient.connect(server.streamUri(), List.of("earshot.v1"), Map.of());
        none.sendJson(Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 16000, "channels", 1));
        refused(none, "unauthorized");
        refused(StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer("not-a-key")), "unauthorized");
        refused(StreamClient.connect(server.streamUri(), List.of("earshot.v1"), Map.of("Authorization",
                "Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + ALICE).getBytes()))), "unauthorized");
        // an API key where only tokens may go: refused, so that keys never travel in URLs
        StreamClient keyInUrl = StreamClient.connect(streamWithToken(ALICE), List.of("earshot.v1"), Map.of());
        JsonNode e = keyInUrl.expectError("unauthorized");
        assertTrue(e.path("message").asText().contains("never an API key"), e::toString);
        keyInUrl.expectClosed(1008);
        // a token altered, and a token without the stream scope
        String jobsOnly = mint(ALICE, "{\"scopes\":[\"jobs\"]}");
        String altered = jobsOnly.substring(0, jobsOnly.length() - 3) + (jobsOnly.endsWith("AAA") ? "BBB" : "AAA");
        refused(StreamClient.connect(server.streamUri(), List.of("earshot.v1", "earshot.token." + altered),
                Map.of()), "unauthorized");
        refused(StreamClient.connect(streamWithToken(jobsOnly), List.of("earshot.v1"), Map.of()), "forbidden");
        // the job events endpoint too
        JobEvents events = new JobEvents("j_AAAAAAAAAAAAAAAAAAAAAA", Map.of());
        assertEquals(1008, events.closed.get(30, TimeUnit.SECONDS));
        assertEquals("unauthorized", events.messages.get(0).path("code").asText());
    }

    @Test
    void keysInTheHeaderTokensInTheQueryOrASubprotocol() throws Exception {
        try (StreamClient key = StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer(ALICE))) {
            key.start();
        }
        String token = mint(ALICE, "{\"scopes\":[\"stream\"],\"ttl_s\":120}");
        try (StreamClient query = StreamClient.connect(streamWithToken(token), List.of("earshot.v1"), Map.of())) {
            query.start();
        }
        try (StreamClient protocol = StreamClient.connect(server.streamUri(),
                List.of("earshot.v1", "earshot.token." + token), Map.of())) {
            assertEquals("earshot.v1", protocol.negotiatedSubprotocol(), "the token entry is never chosen");
            protocol.start();
        }

        // POST /v1/tokens: with an API key only; defaults; bounds
        HttpResponse<String> minted = server.send(HttpRequest.newBuilder(server.uri("/v1/tokens"))
                .header("Authorization", "Bearer " + BOB).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, minted.statusCode(), minted::body);
        JsonNode m = PayaraProcess.json(minted);
        secrets.add(m.path("token").asText());
        assertEquals("bob", m.path("identity").asText());
        assertEquals("[\"jobs\",\"stream\"]", m.path("scopes").toString());
        assertEquals(600, m.path("ttl_s").asLong());
        assertEquals("no-store", minted.headers().firstValue("Cache-Control").orElse(""));
        HttpResponse<String> byToken = server.send(HttpRequest.newBuilder(server.uri("/v1/tokens"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(403, byToken.statusCode(), byToken::body);
        assertEquals("forbidden", PayaraProcess.errorJson(byToken).path("code").asText());
        HttpResponse<String> anonymous = server.send(HttpRequest.newBuilder(server.uri("/v1/tokens"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, anonymous.statusCode(), anonymous::body);
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        for (String bad : List.of("{\"ttl_s\":86400}", "{\"scopes\":[\"admin\"]}", "{\"scopes\":[]}", "[1]", "{")) {
            HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.uri("/v1/tokens"))
                    .header("Authorization", "Bearer " + ALICE).POST(HttpRequest.BodyPublishers.ofString(bad)));
            assertEquals(400, r.statusCode(), () -> bad + " -> " + r.body());
            assertEquals("bad_request", PayaraProcess.errorJson(r).path("code").asText());
        }
        // open to anyone: the status, which says how authentication stands
        HttpResponse<String> status = get("/v1/status", Map.of());
        assertEquals("keys", PayaraProcess.json(status).path("auth").asText());
    }

    @Test
    void sessionsAndJobsBelongToTheIdentityThatMadeThem() throws Exception {
        // A session of alice's, cut: bob cannot resume it or read its audio, alice can (with a fresh token)
        List<byte[]> chunks = Frames.pcmChunks(20, 640, 7);
        StreamClient first = StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer(ALICE));
        JsonNode started = first.start(Map.of("limits", Map.of("resume_grace_ms", 60_000)));
        String id = started.path("session_id").asText();
        String resumeToken = started.path("resume_token").asText();
        first.sendBinary(Frames.frame(chunks, 1, 20));
        first.awaitAck(20);
        first.drop();
        Map<String, Object> resume = Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 16000,
                "channels", 1, "resume", Map.of("session_id", id, "resume_token", resumeToken, "last_event_seq", 0));
        try (StreamClient bob = StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer(BOB))) {
            bob.sendJson(resume);
            bob.expectError("resume_rejected");
        }
        String audio = "/v1/sessions/" + id + "/audio";
        assertEquals(404, get(audio, Map.of("Authorization", "Bearer " + BOB, "Earshot-Session-Token", resumeToken))
                .statusCode());
        assertEquals(401, get(audio, Map.of("Earshot-Session-Token", resumeToken)).statusCode());
        HttpResponse<String> own = get(audio, Map.of("Authorization", "Bearer " + ALICE, "Earshot-Session-Token",
                resumeToken));
        assertEquals(200, own.statusCode());
        assertEquals("20", own.headers().firstValue("Earshot-Chunks").orElse(""));
        String fresh = mint(ALICE, "{\"scopes\":[\"stream\"]}");
        try (StreamClient again = StreamClient.connect(server.streamUri(),
                List.of("earshot.v1", "earshot.token." + fresh), Map.of())) {
            again.sendJson(resume);
            JsonNode r = again.expect("started");
            assertTrue(r.path("resumed").asBoolean(), r::toString);
            assertEquals(20, r.path("last_acked_seq").asLong(), r::toString);
            again.sendJson(Map.of("type", "end"));
            again.expect("ended");
        }

        // A job of alice's: as unknown to bob as a job that does not exist
        byte[] wav = JobsIT.wav(LibriVox.clips().subList(0, 1));
        HttpResponse<String> unauthenticated = server.send(HttpRequest.newBuilder(server.uri("/v1/jobs"))
                .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofByteArray(wav)));
        assertEquals(401, unauthenticated.statusCode(), unauthenticated::body);
        assertEquals("unauthorized", PayaraProcess.errorJson(unauthenticated).path("code").asText());
        HttpResponse<String> created = server.send(HttpRequest.newBuilder(server.uri("/v1/jobs"))
                .header("Authorization", "Bearer " + ALICE).header("Content-Type", "audio/wav")
                .POST(HttpRequest.BodyPublishers.ofByteArray(wav)));
        assertEquals(202, created.statusCode(), created::body);
        JsonNode job = PayaraProcess.json(created);
        assertEquals("alice", job.path("owner").asText());
        String jobPath = "/v1/jobs/" + job.path("id").asText();
        HttpResponse<String> bobReads = get(jobPath, bearer(BOB));
        assertEquals(404, bobReads.statusCode());
        assertEquals("job_not_found", PayaraProcess.errorJson(bobReads).path("code").asText());
        HttpResponse<String> bobDeletes = server.send(HttpRequest.newBuilder(server.uri(jobPath))
                .header("Authorization", "Bearer " + BOB).DELETE());
        assertEquals(404, bobDeletes.statusCode());
        assertEquals(404, get(jobPath + "/transcript", bearer(BOB)).statusCode());
        String streamOnly = mint(ALICE, "{\"scopes\":[\"stream\"]}");
        HttpResponse<String> wrongScope = get(jobPath, bearer(streamOnly));
        assertEquals(403, wrongScope.statusCode());
        assertTrue(wrongScope.headers().firstValue("WWW-Authenticate").orElse("").contains("insufficient_scope"));
        String jobsToken = mint(ALICE, "{\"scopes\":[\"jobs\"]}");
        assertEquals(200, get(jobPath + "?access_token=" + jobsToken, Map.of()).statusCode());
        JobEvents bobFollows = new JobEvents(job.path("id").asText(), bearer(BOB));
        assertEquals(4404, bobFollows.closedWithin(30));
        JobEvents aliceFollows = new JobEvents(job.path("id").asText(), bearer(ALICE));
        assertEquals(1000, aliceFollows.closedWithin(120), "closed after the final record");
        List<JsonNode> records = aliceFollows.messages.stream()
                .filter(r -> r.path("type").asText().equals("job")).map(r -> r.path("job")).toList();
        assertEquals("complete", records.get(records.size() - 1).path("stage").asText(), records::toString);
        assertEquals(200, get(jobPath + "/transcript?format=text", bearer(ALICE)).statusCode());
        // a browser's way: the token in a subprotocol entry beside earshot.jobs.v1
        JobEvents browser = new JobEvents(job.path("id").asText(), Map.of(), List.of("earshot.jobs.v1",
                "earshot.token." + jobsToken));
        assertEquals(1000, browser.closedWithin(60));
        assertEquals("complete", browser.messages.get(browser.messages.size() - 1).path("job").path("stage").asText());
        // the scope follows the resource, whatever the path's text says (matrix parameters)
        assertEquals(403, get("/v1/jobs;x=1/" + job.path("id").asText(), bearer(streamOnly)).statusCode());
        HttpResponse<String> sneaky = server.send(HttpRequest.newBuilder(server.uri("/v1/jobs;a=b"))
                .header("Authorization", "Bearer " + streamOnly).header("Content-Type", "audio/wav")
                .POST(HttpRequest.BodyPublishers.ofByteArray(wav)));
        assertEquals(403, sneaky.statusCode(), sneaky::body);

        // A resumable upload of alice's: bob does not find it
        HttpResponse<String> upload = server.send(HttpRequest.newBuilder(server.uri("/v1/uploads"))
                .header("Authorization", "Bearer " + ALICE).header("Tus-Resumable", "1.0.0")
                .header("Upload-Length", Integer.toString(wav.length)).POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, upload.statusCode(), upload::body);
        URI location = server.uri(URI.create(upload.headers().firstValue("Location").orElseThrow()).getPath());
        HttpResponse<String> bobHead = server.send(HttpRequest.newBuilder(location).header("Authorization",
                "Bearer " + BOB).header("Tus-Resumable", "1.0.0").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(404, bobHead.statusCode());
        HttpResponse<String> aliceHead = server.send(HttpRequest.newBuilder(location).header("Authorization",
                "Bearer " + ALICE).header("Tus-Resumable", "1.0.0").method("HEAD",
                        HttpRequest.BodyPublishers.noBody()));
        assertEquals("0", aliceHead.headers().firstValue("Upload-Offset").orElse(""));
    }

    /**
     * Handshakes of two identities at once, with credentials in headers, queries and subprotocols: every session
     * belongs to the identity its own handshake presented (the handshake's outcome travels per connection).
     */
    @Test
    void concurrentHandshakesEachKeepTheirOwnIdentity() throws Exception {
        String aliceToken = mint(ALICE, "{\"scopes\":[\"stream\"]}");
        String bobToken = mint(BOB, "{\"scopes\":[\"stream\"]}");
        int perIdentity = 15;
        ExecutorService pool = Executors.newFixedThreadPool(2 * perIdentity);
        try {
            List<Future<String[]>> sessions = new ArrayList<>();
            for (int i = 0; i < 2 * perIdentity; i++) {
                boolean alice = i % 2 == 0;
                int way = (i / 2) % 3;
                String key = alice ? ALICE : BOB;
                String token = alice ? aliceToken : bobToken;
                sessions.add(pool.submit(() -> {
                    StreamClient c = switch (way) {
                        case 0 -> StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer(key));
                        case 1 -> StreamClient.connect(streamWithToken(token), List.of("earshot.v1"), Map.of());
                        default -> StreamClient.connect(server.streamUri(),
                                List.of("earshot.v1", "earshot.token." + token), Map.of());
                    };
                    try (c) {
                        JsonNode s = c.start();
                        c.sendJson(Map.of("type", "end"));
                        c.expect("ended");
                        return new String[] {alice ? "alice" : "bob", s.path("session_id").asText(),
                            s.path("resume_token").asText()};
                    }
                }));
            }
            for (Future<String[]> f : sessions) {
                String[] s = f.get(60, TimeUnit.SECONDS);
                String owner = s[0].equals("alice") ? ALICE : BOB;
                String other = s[0].equals("alice") ? BOB : ALICE;
                String audio = "/v1/sessions/" + s[1] + "/audio";
                assertEquals(200, server.send(HttpRequest.newBuilder(server.uri(audio)).header("Authorization",
                        "Bearer " + owner).header("Earshot-Session-Token", s[2]).method("HEAD",
                                HttpRequest.BodyPublishers.noBody())).statusCode(), () -> s[0] + "'s " + s[1]);
                assertEquals(404, server.send(HttpRequest.newBuilder(server.uri(audio)).header("Authorization",
                        "Bearer " + other).header("Earshot-Session-Token", s[2]).method("HEAD",
                                HttpRequest.BodyPublishers.noBody())).statusCode(), () -> "not " + s[0] + "'s " + s[1]);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Refused credentials on REST count per address: beyond the budget, 429 (guessing is bounded). Runs last. */
    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void guessingKeysIsBounded() throws Exception {
        int limitedAt = -1;
        for (int i = 1; i <= CONNECTIONS_PER_MINUTE + 30 && limitedAt < 0; i++) {
            HttpResponse<String> r = get("/v1/jobs/j_AAAAAAAAAAAAAAAAAAAAAA", bearer("guess-" + i));
            if (r.statusCode() == 429) {
                assertEquals("rate_limited", PayaraProcess.errorJson(r).path("code").asText());
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
                limitedAt = i;
            } else {
                assertEquals(401, r.statusCode(), r::body);
            }
        }
        int at = limitedAt;
        // the other tests refused a few credentials from this address before
        assertTrue(at >= CONNECTIONS_PER_MINUTE - 10 && at <= CONNECTIONS_PER_MINUTE + 20,
                () -> "refused credentials limited at " + at);
        assertEquals(200, get("/v1/status", Map.of()).statusCode(), "the status stays open");
    }

    /** The connection budget is per identity: carol spending hers leaves alice's alone. */
    @Test
    void connectionAttemptsAreLimitedPerIdentity() throws Exception {
        // One connection stays open throughout: the WebSocket client library shuts its container down when its
        // last session closes, and a connection opened just then can lose its callbacks.
        StreamClient keeper = StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer(BOB));
        keeper.start();
        int refusedAt = -1;
        long began = System.nanoTime();
        for (int i = 1; i <= CONNECTIONS_PER_MINUTE + 30 && refusedAt < 0; i++) {
            try (StreamClient c = StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer(CAROL))) {
                try {
                    c.sendJson(Map.of("type", "start", "codecs", List.of("pcm_s16le"), "sample_rate", 16000,
                            "channels", 1, "transcribe", false));
                } catch (RuntimeException | AssertionError closedAlready) {
                    // refused: the server closes right after its error, which is already on its way
                }
                JsonNode answer = c.next();
                if (answer.path("code").asText().equals("rate_limited")) {
                    assertTrue(answer.path("retry_after_ms").asLong() > 0, answer::toString);
                    refusedAt = i;
                } else {
                    assertEquals("started", answer.path("type").asText(), answer::toString);
                    c.sendJson(Map.of("type", "end"));
                    c.expect("ended");
                }
            }
        }
        // the budget refills continuously: one more attempt for every second the loop took
        long refilled = (System.nanoTime() - began) / 1_000_000_000L * CONNECTIONS_PER_MINUTE / 60 + 1;
        int at = refusedAt;
        assertTrue(at > CONNECTIONS_PER_MINUTE - 5 && at <= CONNECTIONS_PER_MINUTE + 1 + refilled,
                () -> "carol refused after her budget (" + CONNECTIONS_PER_MINUTE + " + " + refilled
                        + " refilled), at attempt " + at);
        try (StreamClient alice = StreamClient.connect(server.streamUri(), List.of("earshot.v1"), bearer(ALICE))) {
            alice.start();
        }
        keeper.close();
    }

    /** A job events subscription over the JDK's WebSocket client, with handshake headers. */
    private static final class JobEvents implements WebSocket.Listener {
        final List<JsonNode> messages = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        JobEvents(String id, Map<String, String> headers) throws Exception {
            this(id, headers, List.of());
        }

        JobEvents(String id, Map<String, String> headers, List<String> subprotocols) throws Exception {
            WebSocket.Builder b = PayaraProcess.HTTP.newWebSocketBuilder();
            headers.forEach(b::header);
            if (!subprotocols.isEmpty()) {
                b.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
            }
            b.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/jobs/" + id + "/events"), this)
                    .get(10, TimeUnit.SECONDS);
        }

        /** The close code, once closed; a subscription still open after {@code seconds} fails with what it got. */
        int closedWithin(long seconds) throws Exception {
            try {
                return closed.get(seconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("job events still open after " + seconds + " s; received " + messages, e);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(StreamClient.JSON.readTree(partial.toString()));
                } catch (java.io.IOException e) {
                    closed.completeExceptionally(e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
