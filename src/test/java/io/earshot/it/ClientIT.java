package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.client.EarshotClient;
import io.earshot.engine.LibriVox;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Java client ({@link EarshotClient}) against the real server: through a proxy that cuts its connections it
 * resumes, and every chunk and every transcript arrives once; with WebSockets refused for good it hands the
 * session off to a job that completes; the command line streams a WAV file and prints its transcript.
 */
@ExtendWith(ArquillianExtension.class)
class ClientIT extends EarshotDeployment {

    private static final List<Long> QUICK = List.of(0L, 200L, 400L, 800L, 1_600L);

    private String server(int port) {
        String path = base.getPath().replaceAll("/$", "");
        return "http://127.0.0.1:" + port + path;
    }

    private static class Recorded implements EarshotClient.Listener {
        final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> states = Collections.synchronizedList(new ArrayList<>());
        final List<JsonNode> jobs = Collections.synchronizedList(new ArrayList<>());
        final List<String> modes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void state(EarshotClient.State state, int attempt, long delayMs) {
            states.add(state.name());
        }

        @Override
        public void event(JsonNode event) {
            events.add(event);
        }

        @Override
        public void job(JsonNode job, String mode) {
            jobs.add(job);
            modes.add(mode);
        }
    }

    @Test
    void throughCutConnectionsEveryChunkAndTranscriptArrivesOnce() throws Exception {
        List<byte[]> chunks = JobsIT.chunks(LibriVox.clips().subList(0, 2));
        Recorded seen = new Recorded();
        try (CuttableProxy proxy = new CuttableProxy(serverPort());
                EarshotClient client = EarshotClient.builder(server(proxy.port())).reconnectDelaysMs(QUICK)
                        .listener(seen).build()) {
            JsonNode started = client.start(Duration.ofSeconds(30));
            AtomicInteger cuts = new AtomicInteger();
            for (int i = 0; i < chunks.size(); i++) {
                client.send(chunks.get(i));
                if (i % 150 == 149) {
                    cuts.addAndGet(proxy.cutAll());
                }
                Thread.sleep(2); // about 10 times real time
            }
            JsonNode ended = client.end(Duration.ofMinutes(2));
            assertEquals(chunks.size(), ended.path("last_seq").asLong(), ended::toString);
            assertEquals("complete", ended.path("transcription").asText(), ended::toString);
            List<Long> seqs = seen.events.stream().map(e -> e.path("event_seq").asLong()).toList();
            for (int i = 0; i < seqs.size(); i++) {
                assertEquals(i + 1, seqs.get(i), () -> "events 1..n, each once: " + seqs);
            }
            assertTrue(seen.states.stream().filter("RECONNECTING"::equals).count() >= 3, seen.states::toString);
            HttpResponse<byte[]> audio = HttpClient.newHttpClient().send(HttpRequest.newBuilder(http("v1/sessions/"
                    + started.path("session_id").asText() + "/audio")).header("Earshot-Session-Token",
                            started.path("resume_token").asText()).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            chunks.forEach(sent::writeBytes);
            assertArrayEquals(sent.toByteArray(), Arrays.copyOfRange(audio.body(), 44, audio.body().length));
            System.out.printf("java client: %d cuts, %d events, %d transcripts, %d chunks stored as sent%n", cuts.get(),
                    seqs.size(), seen.events.stream().filter(e -> e.path("type").asText().equals("transcript")).count(),
                    chunks.size());
        }
    }

    @Test
    void withWebSocketsGoneForGoodTheSessionBecomesAJob() throws Exception {
        List<byte[]> chunks = JobsIT.chunks(LibriVox.clips().subList(0, 2));
        Recorded seen = new Recorded();
        // A refused handshake fails at once instead of after Tyrus's default handshake timeout (30 s).
        org.glassfish.tyrus.client.ClientManager tyrus = org.glassfish.tyrus.client.ClientManager.createClient();
        tyrus.getProperties().put(org.glassfish.tyrus.client.ClientProperties.HANDSHAKE_TIMEOUT, 3_000);
        try (CuttableProxy proxy = new CuttableProxy(serverPort());
                EarshotClient client = EarshotClient.builder(server(proxy.port())).reconnectDelaysMs(QUICK)
                        .listener(seen).container(tyrus).build()) {
            client.start(Duration.ofSeconds(30));
            int half = chunks.size() / 2;
            for (int i = 0; i < half; i++) {
                client.send(chunks.get(i));
            }
            Thread.sleep(300);
            proxy.refuseWebSockets = true;
            proxy.cutAll();
            for (int i = half; i < chunks.size(); i++) {
                client.send(chunks.get(i)); // kept for the tail
            }
            JsonNode job = client.end(Duration.ofMinutes(3));
            assertEquals("complete", job.path("stage").asText(), job::toString);
            assertEquals("session", job.path("source").asText());
            assertTrue(seen.states.contains("POLLING"), seen.states::toString);
            assertEquals(chunks.size(), job.path("next_seq").asLong() - 1, job::toString);
            System.out.printf("java client fallback: %s; job %s took %d chunks from the session and %d as tail%n",
                    seen.states, job.path("id").asText(), job.path("session_chunks").asLong(),
                    job.path("upload").path("offset").asLong());
        }
    }

    @Test
    void aSilentConnectionIsTakenForDeadAndTheSessionResumes() throws Exception {
        List<byte[]> chunks = JobsIT.chunks(LibriVox.clips().subList(0, 1));
        Recorded seen = new Recorded();
        try (CuttableProxy proxy = new CuttableProxy(serverPort());
                EarshotClient client = EarshotClient.builder(server(proxy.port())).reconnectDelaysMs(QUICK)
                        .heartbeatIntervalMs(500).transcribe(false).listener(seen).build()) {
            JsonNode started = client.start(Duration.ofSeconds(30));
            assertEquals(500, started.path("heartbeat_interval_ms").asLong(), started::toString);
            int half = chunks.size() / 2;
            for (int i = 0; i < half; i++) {
                client.send(chunks.get(i));
            }
            Thread.sleep(500);
            long frozenAt = System.nanoTime();
            proxy.freezeAll(); // nothing passes and nothing closes: a NAT that forgot the connection
            for (int i = half; i < chunks.size(); i++) {
                client.send(chunks.get(i));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!seen.states.contains("RECONNECTING") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            double detectedS = (System.nanoTime() - frozenAt) / 1e9;
            assertTrue(seen.states.contains("RECONNECTING"), seen.states::toString);
            assertTrue(detectedS >= 5 && detectedS < 9, "2 x 500 ms + 5 s of silence, then a drop: " + detectedS);
            JsonNode ended = client.end(Duration.ofMinutes(1));
            assertEquals(chunks.size(), ended.path("last_seq").asLong(), ended::toString);
            System.out.printf("java client: silent connection given up after %.1f s, session resumed and ended with "
                    + "all %d chunks%n", detectedS, chunks.size());
        }
    }

    @Test
    void aJobIsFollowedLiveAndResubscribedAfterADrop() throws Exception {
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(http("v1/jobs?align=false"))
                .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofByteArray(
                        JobsIT.wav(LibriVox.clips().subList(0, 3)))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, created.statusCode(), created::body);
        String id = StreamClient.JSON.readTree(created.body()).path("id").asText();
        Recorded seen = new Recorded();
        AtomicInteger cuts = new AtomicInteger();
        try (CuttableProxy proxy = new CuttableProxy(serverPort());
                EarshotClient client = EarshotClient.builder(server(proxy.port())).reconnectDelaysMs(QUICK)
                        .listener(new Recorded() {
                            @Override
                            public void job(JsonNode job, String mode) {
                                seen.job(job, mode);
                                if (seen.jobs.size() == 2) {
                                    cuts.addAndGet(proxy.cutAll()); // mid-job, from the client's own thread
                                }
                            }

                            @Override
                            public void state(EarshotClient.State state, int attempt, long delayMs) {
                                seen.state(state, attempt, delayMs);
                            }
                        }).build()) {
            JsonNode last = client.followJob(id);
            assertEquals("complete", last.path("stage").asText(), last::toString);
            assertEquals(1, cuts.get(), "the subscription was cut once, mid-job");
            assertTrue(seen.states.stream().filter("CONNECTED"::equals).count() >= 2, seen.states::toString);
            assertTrue(seen.modes.stream().allMatch("live"::equals), seen.modes::toString);
            List<Long> ids = seen.jobs.stream().map(j -> j.path("event_id").asLong()).toList();
            for (int i = 1; i < ids.size(); i++) {
                assertTrue(ids.get(i) > ids.get(i - 1), () -> "each record once, in order: " + ids);
            }
            System.out.printf("java client: job %s followed live through a cut, %d records (event_id %s)%n", id,
                    ids.size(), ids);
        }
    }

    /**
     * The self-contained jar, as a user runs it ({@code java -jar target/earshot-cli.jar}), in its own JVM:
     * an Ogg Opus file encoded by libopus (opusenc; clip 0880, 40 ms packets) paced in real time.
     */
    @Test
    void theCommandLineJarStreamsAnOggOpusFile() throws Exception {
        Path jar = Path.of("target/earshot-cli.jar");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
        Path ogg = Path.of("src/test/resources/audio/opus/0880-16k-mono-40ms-cvbr.opus");
        Path out = Files.createTempFile(Path.of("target"), "cli-", ".out");
        Path err = Files.createTempFile(Path.of("target"), "cli-", ".err");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), server(serverPort()), ogg.toString(), "--realtime").redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the command line did not finish in 2 minutes: " + Files.readString(err));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String printed = Files.readString(out);
        String errors = Files.readString(err);
        assertEquals(0, p.exitValue(), () -> printed + errors);
        assertTrue(printed.lines().allMatch(l -> l.matches("\\[\\d+:\\d\\d\\] .*")), printed);
        List<String> heard = io.earshot.engine.Wer.words(printed.replaceAll("\\[\\d+:\\d\\d\\]", ""));
        long known = io.earshot.engine.Wer.words("he was not an ill disposed young man").stream()
                .filter(heard::contains).count();
        assertTrue(known >= 4, () -> "at least 4 of the clip's 8 words in: " + printed);
        // --realtime: about the length of the audio (3 s), not the blink a file upload takes.
        assertTrue(seconds >= 2.5, "paced at the audio's speed: " + seconds + " s");
        System.out.printf("java -jar earshot-cli.jar, Ogg Opus in real time, %.1f s: %s", seconds, printed);
    }

    @Test
    void theCommandLineStreamsAFileAndPrintsItsTranscript() throws Exception {
        Path wav = Files.createTempFile(Path.of("target"), "cli-", ".wav");
        Files.write(wav, JobsIT.wav(LibriVox.clips().subList(0, 2)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = io.earshot.client.Cli.run(new String[] {server(serverPort()), wav.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, () -> printed + err.toString(StandardCharsets.UTF_8));
        assertTrue(printed.lines().allMatch(l -> l.matches("\\[\\d+:\\d\\d\\] .*")) && printed.contains("dashwood"),
                printed);
        System.out.print("command line:\n" + printed);
    }
}
