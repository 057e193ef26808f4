package io.earshot.it;

import static io.earshot.it.PayaraProcess.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.engine.LibriVox;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Jobs survive the server dying. Not an Arquillian test: it starts Payara Micro itself ({@link PayaraProcess}),
 * with its own jobs and spool directories under target/restart-it. It submits a job and a resumable upload,
 * waits until the job is transcribing and the upload is half in, then kills the server's JVM outright
 * ({@code Process.destroyForcibly}: SIGKILL, no shutdown hooks), starts a new Payara Micro on the same
 * directories, and checks that the job was queued again and completes, and that the upload goes on from the
 * offset it had reached.
 */
class JobRestartIT {

    @Test
    void aRunningJobAndAnUploadSurviveTheServerBeingKilled() throws Exception {
        try (PayaraProcess server = new PayaraProcess(Path.of("target/restart-it"))) {
            server.start();

            List<LibriVox.Clip> clips = new ArrayList<>(LibriVox.clips());
            clips.addAll(LibriVox.clips());
            JsonNode job = json(server.send(HttpRequest.newBuilder(server.uri("/v1/jobs?align=false&diarize=false"))
                    .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofByteArray(JobsIT.wav(clips)))));
            String id = job.path("id").asText();

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

            long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            JsonNode before = json(server.get("/v1/jobs/" + id));
            while (!(before.path("stage").asText().equals("transcribing") && before.path("detail").asText()
                    .matches("segment [2-9]\\d* of \\d+"))) {
                assertTrue(System.nanoTime() < end, before::toString);
                Thread.sleep(100);
                before = json(server.get("/v1/jobs/" + id));
            }
            server.kill();
            System.out.println("killed the server with job " + id + " at " + before.path("detail").asText());

            server.start();
            JsonNode after = json(server.get("/v1/jobs/" + id));
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

            end = System.nanoTime() + Duration.ofSeconds(240).toNanos();
            while (!after.path("stage").asText().equals("complete")) {
                assertTrue(System.nanoTime() < end, after::toString);
                assertTrue(!after.path("stage").asText().equals("failed"), after::toString);
                Thread.sleep(250);
                after = json(server.get("/v1/jobs/" + id));
            }
            assertEquals(2, after.path("attempts").asInt(), after::toString);
            String text = json(server.get("/v1/jobs/" + id + "/transcript")).path("text").asText();
            assertTrue(text.contains("dashwood"), text);
            String uploadId = uploadUri.getPath().substring(uploadUri.getPath().lastIndexOf('/') + 1);
            JsonNode up = json(server.get("/v1/jobs/" + uploadId));
            assertTrue(List.of("queued", "transcribing", "aligning", "diarizing", "complete")
                    .contains(up.path("stage").asText()), up::toString);
        }
    }
}
