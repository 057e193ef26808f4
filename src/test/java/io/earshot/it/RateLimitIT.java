package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.engine.LibriVox;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Abuse limits per client on a real server with small budgets (its own Payara Micro, {@link PayaraProcess}):
 * 4 connection attempts, 10 s of audio and 200,000 upload bytes a minute. Every excess gets {@code rate_limited}
 * with a retry hint, and nothing beyond the budget is stored. The budgets, not recognition, are the subject: the
 * server runs the fast test engine.
 */
class RateLimitIT {

    @Test
    void connectionsAudioAndUploadsBeyondTheBudgetAreRefusedWithARetryHint() throws Exception {
        try (PayaraProcess server = new PayaraProcess(Path.of("target/rate-limit-it"),
                "earshot.limits.connections-per-minute=4", "earshot.limits.audio-seconds-per-minute=10",
                "earshot.limits.upload-bytes-per-minute=200000").withEnergyEngine()) {
            server.start();
            assertTrue(java.nio.file.Files.readString(server.log()).contains("AUTHENTICATION IS OFF"),
                    "earshot.auth.mode=none (the development settings) is loud in the log");
            List<StreamClient> open = new ArrayList<>();
            try {
                // Audio: 10 s a minute. 50 chunks of 20 ms a frame: frames 1-10 are taken, the 11th is not.
                List<byte[]> chunks = JobsIT.chunks(LibriVox.clips());
                StreamClient c = StreamClient.connect(server.streamUri());
                open.add(c);
                c.start();
                for (int f = 0; f < 10; f++) {
                    c.sendBinary(Frames.frame(chunks, f * 50 + 1, f * 50 + 50));
                }
                c.awaitAck(500);
                c.sendBinary(Frames.frame(chunks, 501, 550));
                JsonNode limited = c.expectError("rate_limited");
                assertFalse(limited.path("fatal").asBoolean(), limited::toString);
                assertEquals(501, limited.path("seq").asLong(), limited::toString);
                long retry = limited.path("retry_after_ms").asLong();
                assertTrue(retry >= 5_000 && retry <= 6_000, () -> "one second of audio comes back in 6 s: " + limited);
                assertEquals(500, c.lastAck(), "the refused frame was not stored");
                c.ping();
                assertTrue(c.isOpen(), "the session goes on");

                // Uploads: 200,000 bytes a minute. A resumable upload keeps what came before the limit.
                byte[] wav = JobsIT.wav(LibriVox.clips().subList(0, 1));
                HttpResponse<String> created = server.send(HttpRequest.newBuilder(server.uri("/v1/uploads"))
                        .header("Tus-Resumable", "1.0.0").header("Upload-Length", Integer.toString(wav.length))
                        .POST(HttpRequest.BodyPublishers.noBody()));
                assertEquals(201, created.statusCode(), created::body);
                URI upload = URI.create(created.headers().firstValue("Location").orElseThrow());
                HttpResponse<String> patch = server.send(HttpRequest.newBuilder(upload).header("Tus-Resumable", "1.0.0")
                        .header("Upload-Offset", "0").header("Content-Type", "application/offset+octet-stream")
                        .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(wav)));
                assertEquals(429, patch.statusCode(), patch::body);
                assertEquals("rate_limited", PayaraProcess.errorJson(patch).path("code").asText());
                assertTrue(Long.parseLong(patch.headers().firstValue("Retry-After").orElseThrow()) >= 1);
                HttpResponse<String> head = server.send(HttpRequest.newBuilder(upload).header("Tus-Resumable", "1.0.0")
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
                long kept = Long.parseLong(head.headers().firstValue("Upload-Offset").orElseThrow());
                assertTrue(kept > 0 && kept <= 200_000 + 65_536, () -> "kept " + kept);
                HttpResponse<String> post = server.send(HttpRequest.newBuilder(server.uri("/v1/jobs"))
                        .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofByteArray(wav)));
                assertEquals(429, post.statusCode(), post::body);

                // Connections: 4 a minute; one is open already.
                for (int i = 0; i < 3; i++) {
                    StreamClient ok = StreamClient.connect(server.streamUri());
                    open.add(ok);
                    ok.start();
                }
                StreamClient refused = StreamClient.connect(server.streamUri());
                open.add(refused);
                JsonNode error = refused.expectError("rate_limited");
                assertTrue(error.path("fatal").asBoolean() && error.path("retry_after_ms").asLong() > 0,
                        error::toString);
                refused.expectClosed(1013);
                System.out.printf("rate limits: audio refused at chunk 501 (retry after %d ms), upload stopped after "
                        + "%d bytes, 5th connection refused (retry after %d ms)%n", retry, kept,
                        error.path("retry_after_ms").asLong());

                // The Java client over the same budgets: its connection is refused (1013) and it comes back no
                // sooner than the retry hint; its audio, more than the budget holds, is refused frame by frame
                // and sent again after each hint, until every chunk is stored.
                List<Long> waits = java.util.Collections.synchronizedList(new ArrayList<>());
                List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
                long t0 = System.nanoTime();
                try (io.earshot.client.EarshotClient client = io.earshot.client.EarshotClient.builder(
                        server.uri("/").toString()).transcribe(false).fallbackToJob(false)
                        .listener(new io.earshot.client.EarshotClient.Listener() {
                            @Override
                            public void state(io.earshot.client.EarshotClient.State state, int attempt, long delayMs) {
                                if (state == io.earshot.client.EarshotClient.State.RECONNECTING && delayMs > 0) {
                                    waits.add(delayMs);
                                }
                            }

                            @Override
                            public void error(io.earshot.client.EarshotClient.ClientException e) {
                                errors.add(e.code());
                            }
                        }).build()) {
                    client.start(Duration.ofSeconds(90));
                    double connectedAfter = (System.nanoTime() - t0) / 1e9;
                    List<byte[]> five = chunks.subList(0, 250); // 5 s of audio, beyond what has refilled
                    for (byte[] chunk : five) {
                        client.send(chunk);
                    }
                    JsonNode ended = client.end(Duration.ofSeconds(90));
                    assertEquals(250, ended.path("last_seq").asLong(), ended::toString);
                    assertEquals(250L * 640, ended.path("bytes").asLong(), ended::toString);
                    assertTrue(errors.contains("rate_limited"), () -> "audio refused on the way: " + errors);
                    assertTrue(waits.get(0) >= error.path("retry_after_ms").asLong() - 1_000,
                            () -> "reconnected no sooner than the server's hint " + error + ": " + waits);
                    System.out.printf("java client under the limits: connected after %.1f s (waited %s ms), all 250 "
                            + "chunks stored after %s; %.1f s in all%n", connectedAfter, waits, errors,
                            (System.nanoTime() - t0) / 1e9);
                }
            } finally {
                for (StreamClient c : open) {
                    c.close();
                }
            }
        }
    }
}
