package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fault injection: {@value #SESSIONS} sessions stream at once through a TCP proxy that cuts every connection at
 * random moments (at least {@value #CUTS} times, and on until at least 1,000 live connections were cut: in the
 * middle of frames, of acks, of handshakes, of resumes), while each client reconnects and resumes as the protocol says (replay
 * every chunk after {@code started.last_acked_seq}). Every session must end with its stored audio byte-identical to
 * what the client sent, and its session events ({@code mark}s reached, and for the {@value #TRANSCRIBED} sessions
 * that stream real speech with live transcription, {@code transcript}s) delivered exactly once: numbered 1..n
 * without a gap or a repeat, no utterance transcribed twice. Bounded: loopback only,
 * a fixed number of cuts, each client gives up after 3 minutes. The server is the load tests' own
 * ({@link PayaraProcess#loadServer}), with the fast test engine: "transcribed" means that the transcripts cover the
 * speech ({@link SpeechCoverage}).
 */
class FaultInjectionIT {

    static final int SESSIONS = 10;
    static final int CUTS = 220;
    static final int CHUNKS = 3_000;
    static final int CHUNK_BYTES = 640;
    /** Sessions that stream speech (the LibriVox clips, over and over) and are transcribed live. */
    static final int TRANSCRIBED = 2;

    /** What one client saw. */
    record Outcome(String sessionId, String token, int connections, int marksSeen, int duplicateEvents,
            Set<Long> events, long endedEventSeq, List<JsonNode> transcripts, String transcription) {
    }

    private static Outcome run(URI proxy, List<byte[]> chunks, boolean transcribe, AtomicBoolean cutting,
            java.util.concurrent.CountDownLatch started) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String sessionId = null;
        String token = null;
        long lastEvent = 0;
        long acked = 0;
        int connections = 0;
        int duplicates = 0;
        Set<Long> events = new HashSet<>();
        Set<String> marks = new HashSet<>();
        Set<String> utterances = new HashSet<>();
        List<JsonNode> transcripts = new ArrayList<>();
        boolean ended = false;
        long endedLastSeq = -1;
        long endedEventSeq = -1;
        String transcription = null;
        while (!ended) {
            assertTrue(System.nanoTime() < deadline, "session " + sessionId + " did not finish in 3 minutes");
            connections++;
            StreamClient c;
            try {
                c = StreamClient.connectImpatiently(proxy);
            } catch (AssertionError e) {
                Thread.sleep(20);
                continue;
            }
            try {
                Map<String, Object> start = new LinkedHashMap<>();
                if (sessionId != null) {
                    start.put("resume", Map.of("session_id", sessionId, "resume_token", token, "last_event_seq",
                            lastEvent));
                }
                start.put("limits", Map.of("resume_grace_ms", 20_000));
                start.put("transcribe", transcribe);
                JsonNode reply = c.start(start);
                if (sessionId == null) {
                    sessionId = reply.path("session_id").asText();
                    token = reply.path("resume_token").asText();
                    started.countDown();
                }
                acked = Math.max(acked, reply.path("last_acked_seq").asLong());
                long sent = acked;
                boolean endSent = false;
                long nextSend = System.nanoTime();
                long lastHeard = System.nanoTime();
                while (true) {
                    // 20 chunks every 100 ms (0.4 s of audio): the stream lasts about 15 s, through the cutting
                    if (sent < CHUNKS && sent - acked < 200 && System.nanoTime() >= nextSend) {
                        long from = sent + 1;
                        long to = Math.min(CHUNKS, sent + 20);
                        c.sendBinary(Frames.frame(chunks, from, to));
                        if (to % 300 == 0) {
                            c.sendJson(Map.of("type", "mark", "name", "m" + to));
                        }
                        sent = to;
                        nextSend = System.nanoTime() + 100_000_000L;
                    }
                    if (acked == CHUNKS && !endSent && !cutting.get()) {
                        c.sendJson(Map.of("type", "end"));
                        endSent = true;
                    }
                    StreamClient.Event e = c.poll(Duration.ofMillis(20));
                    if (e == null) {
                        if (System.nanoTime() - lastHeard > 5_000_000_000L) {
                            break; // nothing for 5 s: treat as lost
                        }
                        continue;
                    }
                    lastHeard = System.nanoTime();
                    if (e instanceof StreamClient.Closed || e instanceof StreamClient.Failed) {
                        break; // cut (or stuck): reconnect and resume
                    }
                    if (e instanceof StreamClient.Text t) {
                        JsonNode m = t.json();
                        switch (m.path("type").asText()) {
                            case "ack" -> acked = Math.max(acked, m.path("seq").asLong());
                            case "mark", "ended", "transcript" -> {
                                long seq = m.path("event_seq").asLong();
                                if (!events.add(seq) || (m.has("name") && !marks.add(m.path("name").asText()))) {
                                    duplicates++;
                                }
                                if (m.path("type").asText().equals("transcript")) {
                                    // one utterance, one transcript: the same audio never comes back twice
                                    if (!utterances.add(m.path("first_seq").asLong() + ".." + m.path("last_seq")
                                            .asLong())) {
                                        duplicates++;
                                    }
                                    transcripts.add(m);
                                }
                                lastEvent = Math.max(lastEvent, seq);
                                if (m.path("type").asText().equals("ended")) {
                                    endedLastSeq = m.path("last_seq").asLong();
                                    endedEventSeq = seq;
                                    transcription = m.path("transcription").asText();
                                    ended = true;
                                }
                            }
                            default -> {
                                // heartbeats, flow, errors of a frame cut in half: carry on
                            }
                        }
                        if (ended) {
                            break;
                        }
                    }
                }
            } catch (AssertionError | RuntimeException e) {
                // the cut came during the start, a resume or a send: reconnect
            } finally {
                c.drop();
            }
        }
        assertEquals(CHUNKS, endedLastSeq, "ended.last_seq of session " + sessionId);
        return new Outcome(sessionId, token, connections, marks.size(), duplicates, events, endedEventSeq,
                transcripts, transcription);
    }

    @Test
    void aThousandCutsLoseAndRepeatNothing() throws Exception {
        PayaraProcess server = PayaraProcess.loadServer();
        try (CuttableProxy proxy = new CuttableProxy(server.port())) {
            URI through = URI.create("ws://127.0.0.1:" + proxy.port() + "/v1/stream");
            List<List<byte[]>> audio = new ArrayList<>();
            List<byte[]> speech = JobsIT.chunks(io.earshot.engine.LibriVox.clips());
            for (int i = 0; i < SESSIONS; i++) {
                if (i < TRANSCRIBED) {
                    List<byte[]> spoken = new ArrayList<>();
                    while (spoken.size() < CHUNKS) {
                        spoken.addAll(speech.subList(0, Math.min(speech.size(), CHUNKS - spoken.size())));
                    }
                    audio.add(spoken);
                } else {
                    audio.add(Frames.pcmChunks(CHUNKS, CHUNK_BYTES, 100 + i));
                }
            }
            AtomicBoolean cutting = new AtomicBoolean(true);
            AtomicInteger cutConnections = new AtomicInteger();
            AtomicInteger cutsMade = new AtomicInteger();
            java.util.concurrent.CountDownLatch allStarted = new java.util.concurrent.CountDownLatch(SESSIONS);
            ExecutorService pool = Executors.newFixedThreadPool(SESSIONS + 1);
            List<Future<Outcome>> clients = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                List<byte[]> chunks = audio.get(i);
                boolean transcribe = i < TRANSCRIBED;
                clients.add(pool.submit(() -> run(through, chunks, transcribe, cutting, allStarted)));
            }
            assertTrue(allStarted.await(60, TimeUnit.SECONDS), "sessions started");
            Future<?> cutter = pool.submit(() -> {
                Random random = new Random(42);
                StringBuilder perCut = new StringBuilder();
                // At least CUTS cuts, and on until 1,000 live connections were cut (at most 4 × CUTS cuts).
                for (int i = 0; i < 4 * CUTS && (i < CUTS || cutConnections.get() < 1_000); i++) {
                    Thread.sleep(30 + random.nextInt(170));
                    int n = proxy.cutAll();
                    cutsMade.incrementAndGet();
                    cutConnections.addAndGet(n);
                    perCut.append(n).append(' ');
                }
                System.out.println("live connections cut at each cut: " + perCut);
                cutting.set(false);
                return null;
            });
            cutter.get(5, TimeUnit.MINUTES);
            int connections = 0;
            int marks = 0;
            int transcripts = 0;
            long verified = 0;
            for (int i = 0; i < SESSIONS; i++) {
                Outcome o = clients.get(i).get(5, TimeUnit.MINUTES);
                assertEquals(0, o.duplicateEvents(), "session " + o.sessionId() + " got an event twice");
                Set<Long> all = new HashSet<>();
                for (long n = 1; n <= o.endedEventSeq(); n++) {
                    all.add(n);
                }
                assertEquals(all, o.events(), "session " + o.sessionId() + ": events 1.." + o.endedEventSeq()
                        + ", each once");
                if (i < TRANSCRIBED) {
                    assertEquals("complete", o.transcription(), "session " + o.sessionId() + " transcribed in full");
                    long previousEnd = -1;
                    for (JsonNode t : o.transcripts()) {
                        assertTrue(t.path("start_ms").asLong() >= previousEnd, () -> "transcripts in order: " + t);
                        previousEnd = t.path("end_ms").asLong();
                    }
                    // the clips over and over: 60 s of speech, every stretch of it in a transcript
                    ByteArrayOutputStream spoken = new ByteArrayOutputStream();
                    audio.get(i).forEach(spoken::writeBytes);
                    double coverage = SpeechCoverage.of(spoken.toByteArray(), o.transcripts());
                    System.out.printf("session %s: %d transcripts covering %.1f %% of the speech%n", o.sessionId(),
                            o.transcripts().size(), 100 * coverage);
                    assertTrue(coverage >= 0.95, "the speech was transcribed: " + o.transcripts());
                    transcripts += o.transcripts().size();
                }
                connections += o.connections();
                marks += o.marksSeen();
                HttpResponse<byte[]> stored = PayaraProcess.HTTP.send(HttpRequest.newBuilder(server.uri(
                        "/v1/sessions/" + o.sessionId() + "/audio")).header("Earshot-Session-Token", o.token())
                        .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, stored.statusCode());
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                audio.get(i).forEach(sent::writeBytes);
                byte[] body = stored.body();
                verified += body.length - 44;
                assertArrayEquals(sent.toByteArray(), java.util.Arrays.copyOfRange(body, 44, body.length),
                        "session " + o.sessionId() + ": stored audio differs from what was sent");
            }
            pool.shutdown();
            System.out.printf("fault injection: %d sessions, %d proxy cuts of %d live connections, %d connections "
                    + "opened, %d chunks each (%d bytes in all) verified byte for byte, %d marks and %d transcripts, "
                    + "every event once%n", SESSIONS, cutsMade.get(), cutConnections.get(), connections, CHUNKS,
                    verified, marks, transcripts);
            assertTrue(cutConnections.get() >= 1_000, "at least 1,000 connections cut: " + cutConnections.get());
        }
    }
}
