package io.earshot.it;

import static io.earshot.it.PayaraProcess.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.engine.LibriVox;
import io.earshot.it.engine.EnergyEngine;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What survives the server going away. Not an Arquillian test: it runs Payara Micro itself ({@link PayaraProcess})
 * on target/restart-it and restarts it on the same directories twice. Its subject is what is kept, not what is
 * recognized, so the server runs the fast test engine ({@link EnergyEngine}) and "transcribed" means that the
 * transcripts cover the recording's speech ({@link SpeechCoverage}):
 * <ol>
 * <li>stopped as an operator stops it (SIGTERM; Payara Micro undeploys the application) while a transcribed
 * session streams: the client must get {@code going_away} naming everything it needs; after the restart it resumes
 * the same session, streams the rest and ends it: every byte stored as sent, the session's events numbered without
 * a gap or a repeat across the restart, and the whole recording transcribed;</li>
 * <li>killed outright ({@code Process.destroyForcibly}: SIGKILL, no shutdown at all) while a session streams with
 * {@code durability: disk}, a job is transcribing and a resumable upload is half done: after the restart every
 * acked chunk is stored as sent, the session resumes from its last stored chunk and ends with all of them, the job
 * is queued again and completes, the upload goes on from its offset, and both sessions, handed off to jobs, are
 * transcribed.</li>
 * </ol>
 */
class RestartIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static byte[] sent(List<byte[]> chunks, long count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            out.writeBytes(chunks.get(i));
        }
        return out.toByteArray();
    }

    /** The session's audio as the server holds it: the WAV's samples (16 kHz mono, as sent). */
    private static byte[] stored(PayaraProcess server, String session, String token) throws Exception {
        HttpResponse<byte[]> r = PayaraProcess.HTTP.send(HttpRequest.newBuilder(server.uri("/v1/sessions/" + session
                + "/audio")).header("Earshot-Session-Token", token).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        return Arrays.copyOfRange(r.body(), 44, r.body().length);
    }

    private static String handOff(PayaraProcess server, String session, String token, long acked) throws Exception {
        HttpResponse<String> r = server.send(HttpRequest.newBuilder(server.uri("/v1/sessions/" + session
                + "/job?tail=false&align=false&diarize=false")).header("Earshot-Session-Token", token)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, r.statusCode(), r::body);
        JsonNode job = json(r);
        assertTrue(job.path("session_chunks").asLong() >= acked, job::toString);
        return job.path("id").asText();
    }

    private static JsonNode awaitComplete(PayaraProcess server, String id) throws Exception {
        long end = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        JsonNode job = json(server.get("/v1/jobs/" + id));
        while (!job.path("stage").asText().equals("complete")) {
            assertTrue(System.nanoTime() < end && !job.path("stage").asText().equals("failed"), job::toString);
            Thread.sleep(250);
            job = json(server.get("/v1/jobs/" + id));
        }
        return job;
    }

    @Test
    void aStopAndAKillLoseNothingAcknowledged() throws Exception {
        List<byte[]> chunks = JobsIT.chunks(LibriVox.clips().subList(0, 2));
        // Sessions wait up to 10 minutes for a resume: the restart must fit in their grace period.
        // The fast test engine, paced at half real time so that the job is still transcribing when the kill comes.
        try (PayaraProcess server = new PayaraProcess(Path.of("target/restart-it"), "earshot.resume.grace-ms=600000",
                EnergyEngine.PACE + "=500").withEnergyEngine()) {
            server.start();

            // 1. A graceful stop while a transcribed session streams.
            String stoppedSession;
            String stoppedToken;
            long stoppedAcked;
            List<JsonNode> events = new ArrayList<>();
            try (StreamClient c = StreamClient.connect(server.streamUri())) {
                JsonNode started = c.start(Map.of("transcribe", true, "limits", Map.of("resume_grace_ms", 600_000)));
                stoppedSession = started.path("session_id").asText();
                stoppedToken = started.path("resume_token").asText();
                // All but the last half second: the first clip's transcript comes before the stop, the second
                // clip's utterance is still open, to be transcribed after the restart.
                int half = chunks.size() - 25;
                TranscriptionIT.stream(c, chunks.subList(0, half), 1);
                events.add(TranscriptionIT.nextTranscript(c));
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
                    try {
                        server.stop();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                JsonNode away = c.next(WAIT);
                while (away.has("event_seq") || away.path("type").asText().equals("flow")) {
                    if (away.has("event_seq")) {
                        events.add(away);
                    }
                    away = c.next(WAIT);
                }
                assertEquals("going_away", away.path("type").asText(), away::toString);
                assertEquals(stoppedSession, away.path("session_id").asText());
                assertEquals(stoppedToken, away.path("resume_token").asText());
                stoppedAcked = away.path("last_seq").asLong();
                assertEquals(half, stoppedAcked, away::toString);
                assertTrue(away.path("retry_after_ms").asLong() > 0, away::toString);
                assertEquals("/v1/sessions/" + stoppedSession + "/job", away.path("handoff").asText());
                long awayAt = System.nanoTime();
                StreamClient.Event e;
                do {
                    e = c.nextEvent(WAIT);
                    if (e instanceof StreamClient.Text t && t.json().has("event_seq")) {
                        events.add(t.json());
                    }
                } while (!(e instanceof StreamClient.Closed));
                StreamClient.Closed closed = (StreamClient.Closed) e;
                // 1001 from the server; when Payara Micro's listener stops under a SIGTERM right after the undeploy,
                // the connection drops instead (1006), always after going_away.
                assertTrue(closed.code() == 1001 || closed.code() == 1006, closed::toString);
                stopping.get();
                System.out.printf("stopped: going_away %s; closed %d %.0f ms later%n", away, closed.code(),
                        (System.nanoTime() - awayAt) / 1e6);
            }
            server.start();
            assertArrayEquals(sent(chunks, stoppedAcked), stored(server, stoppedSession, stoppedToken),
                    "every acked byte, as sent");
            // The same session goes on: resumed after the restart, the rest streamed, ended.
            long seen = events.stream().mapToLong(m -> m.path("event_seq").asLong()).max().orElse(0);
            try (StreamClient c = StreamClient.connect(server.streamUri())) {
                JsonNode resumed = c.start(Map.of("resume", Map.of("session_id", stoppedSession, "resume_token",
                        stoppedToken, "last_event_seq", seen)));
                assertTrue(resumed.path("resumed").asBoolean(), resumed::toString);
                assertEquals(stoppedAcked, resumed.path("last_acked_seq").asLong(), resumed::toString);
                assertTrue(resumed.path("events_unavailable").isMissingNode(), resumed::toString);
                TranscriptionIT.stream(c, chunks, stoppedAcked + 1);
                c.sendJson(Map.of("type", "end"));
                List<JsonNode> after = new ArrayList<>();
                JsonNode ended = TranscriptionIT.collect(c, after);
                events.addAll(after);
                events.add(ended);
                assertEquals(chunks.size(), ended.path("last_seq").asLong(), ended::toString);
                assertEquals("complete", ended.path("transcription").asText(), ended::toString);
            }
            assertArrayEquals(sent(chunks, chunks.size()), stored(server, stoppedSession, stoppedToken),
                    "the whole recording, each chunk once, across the restart");
            List<JsonNode> transcripts = new ArrayList<>();
            long previousEnd = -1;
            for (int i = 0; i < events.size(); i++) {
                JsonNode m = events.get(i);
                assertEquals(i + 1, m.path("event_seq").asLong(), () -> "events numbered 1.. without a gap or a "
                        + "repeat across the restart: " + events);
                if (m.path("type").asText().equals("transcript")) {
                    assertTrue(m.path("start_ms").asLong() >= previousEnd, m::toString);
                    previousEnd = m.path("end_ms").asLong();
                    transcripts.add(m);
                }
            }
            double coverage = SpeechCoverage.of(sent(chunks, chunks.size()), transcripts);
            System.out.printf("stopped and resumed: %d events, %d transcripts covering %.1f %% of the speech%n",
                    events.size(), transcripts.size(), 100 * coverage);
            assertTrue(coverage >= 0.95, "the whole recording transcribed, once: " + transcripts);

            // 2. A kill while a session streams, a job transcribes and an upload is half done.
            List<LibriVox.Clip> clips = new ArrayList<>(LibriVox.clips());
            clips.addAll(LibriVox.clips());
            String jobId = json(server.send(HttpRequest.newBuilder(server.uri("/v1/jobs?align=false&diarize=false"))
                    .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofByteArray(
                            JobsIT.wav(clips))))).path("id").asText();
            byte[] upload = JobsIT.wav(LibriVox.clips().subList(0, 1));
            HttpResponse<String> created = server.send(HttpRequest.newBuilder(server.uri("/v1/uploads"))
                    .header("Tus-Resumable", "1.0.0").header("Upload-Length", Integer.toString(upload.length))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            assertEquals(201, created.statusCode(), created::body);
            URI uploadUri = URI.create(created.headers().firstValue("Location").orElseThrow());
            int half = upload.length / 2;
            HttpResponse<String> patched = server.send(HttpRequest.newBuilder(uploadUri).header("Tus-Resumable", "1.0.0")
                    .header("Upload-Offset", "0").header("Content-Type", "application/offset+octet-stream")
                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(upload, half))));
            assertEquals(204, patched.statusCode(), patched::body);

            String killedSession;
            String killedToken;
            long killedAcked;
            JsonNode before;
            try (StreamClient c = StreamClient.connect(server.streamUri())) {
                JsonNode started = c.start(Map.of("durability", "disk", "limits", Map.of("resume_grace_ms", 60_000)));
                killedSession = started.path("session_id").asText();
                killedToken = started.path("resume_token").asText();
                long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                before = json(server.get("/v1/jobs/" + jobId));
                while (!(before.path("stage").asText().equals("transcribing") && before.path("detail").asText()
                        .matches("segment [2-9]\\d* of \\d+"))) {
                    assertTrue(System.nanoTime() < end, before::toString);
                    Thread.sleep(100);
                    before = json(server.get("/v1/jobs/" + jobId));
                }
                int part = chunks.size() * 3 / 4;
                for (int s = 1; s <= part; s += 25) {
                    c.sendBinary(Frames.frame(chunks, s, Math.min(part, s + 24)));
                }
                killedAcked = c.awaitAck(part / 2);
                server.kill();
                killedAcked = Math.max(killedAcked, c.lastAck());
            }
            System.out.println("killed the server with job " + jobId + " at " + before.path("detail").asText()
                    + ", a session at chunk " + killedAcked + " acked, an upload at byte " + half);

            server.start();
            byte[] kept = stored(server, killedSession, killedToken);
            assertTrue(kept.length >= sent(chunks, killedAcked).length, "every acked chunk survived the kill");
            byte[] expected = sent(chunks, kept.length / 640 + (kept.length % 640 == 0 ? 0 : 1));
            assertArrayEquals(Arrays.copyOf(expected, kept.length), kept, "what survived is what was sent");
            // The killed session goes on from its last stored chunk.
            long resumedAt;
            try (StreamClient c = StreamClient.connect(server.streamUri())) {
                JsonNode resumed = c.start(Map.of("resume", Map.of("session_id", killedSession, "resume_token",
                        killedToken, "last_event_seq", 0)));
                resumedAt = resumed.path("last_acked_seq").asLong();
                assertTrue(resumed.path("resumed").asBoolean() && resumedAt >= killedAcked, resumed::toString);
                for (long s = resumedAt + 1; s <= chunks.size(); s += 25) {
                    c.sendBinary(Frames.frame(chunks, s, Math.min(chunks.size(), s + 24)));
                }
                c.awaitAck(chunks.size());
                c.sendJson(Map.of("type", "end"));
                assertEquals(chunks.size(), c.expect("ended").path("last_seq").asLong());
            }
            assertArrayEquals(sent(chunks, chunks.size()), stored(server, killedSession, killedToken),
                    "the killed session's whole recording, each chunk once");
            JsonNode after = json(server.get("/v1/jobs/" + jobId));
            assertTrue(after.path("event_id").asLong() > before.path("event_id").asLong(), after::toString);
            HttpResponse<String> head = server.send(HttpRequest.newBuilder(uploadUri).header("Tus-Resumable", "1.0.0")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, head.statusCode());
            assertEquals(Integer.toString(half), head.headers().firstValue("Upload-Offset").orElseThrow());
            HttpResponse<String> rest = server.send(HttpRequest.newBuilder(uploadUri).header("Tus-Resumable", "1.0.0")
                    .header("Upload-Offset", Integer.toString(half))
                    .header("Content-Type", "application/offset+octet-stream")
                    .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(upload, half,
                            upload.length))));
            assertEquals(204, rest.statusCode(), rest::body);
            String stoppedJob = handOff(server, stoppedSession, stoppedToken, stoppedAcked);
            String killedJob = handOff(server, killedSession, killedToken, killedAcked);

            after = awaitComplete(server, jobId);
            assertEquals(2, after.path("attempts").asInt(), after::toString);
            byte[] jobWav = JobsIT.wav(clips);
            List<JsonNode> segments = new ArrayList<>();
            json(server.get("/v1/jobs/" + jobId + "/transcript")).path("segments").forEach(segments::add);
            double jobCoverage = SpeechCoverage.of(Arrays.copyOfRange(jobWav, 44, jobWav.length), segments);
            assertTrue(jobCoverage >= 0.95, () -> "the job's whole recording transcribed: " + segments);
            String uploadId = uploadUri.getPath().substring(uploadUri.getPath().lastIndexOf('/') + 1);
            awaitComplete(server, uploadId);
            assertEquals(chunks.size(), awaitComplete(server, stoppedJob).path("session_chunks").asLong());
            awaitComplete(server, killedJob);
            System.out.printf("kill -9: %d chunks acked before the kill, %d bytes stored after the restart, the session "
                    + "resumed at chunk %d and completed; the job completed after 2 attempts (its segments covering "
                    + "%.1f %% of the speech), the upload and both hand-offs completed%n", killedAcked, kept.length,
                    resumedAt, 100 * jobCoverage);
        }
    }
}
