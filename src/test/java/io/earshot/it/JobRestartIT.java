package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.engine.LibriVox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs survive the server dying. Not an Arquillian test: it starts Payara Micro itself, the way `mvn -Prun`
 * does (same launcher jar, same payara/ files, the WAR Maven built), with its own jobs and spool directories
 * under target/restart-it. It submits a job and a resumable upload, waits until the job is transcribing and the
 * upload is half in, then kills the server's JVM outright ({@code Process.destroyForcibly}: SIGKILL, no
 * shutdown hooks), starts a new Payara Micro on the same directories, and checks that the job was queued again
 * and completes, and that the upload goes on from the offset it had reached.
 */
class JobRestartIT {

    private static final Path DIR = Path.of("target/restart-it");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Process> servers = new ArrayList<>();
    private int port;

    @AfterEach
    void stop() throws Exception {
        for (Process p : servers) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Process start(int boot) throws Exception {
        Path log = DIR.resolve("payara-" + boot + ".log");
        ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("payara.microJar", "target/payara-micro.jar"), "--nocluster", "--port",
                Integer.toString(port), "--prebootcommandfile", "payara/pre-boot-commands.txt",
                "--postbootcommandfile", "payara/post-boot-commands.txt", "--systemproperties",
                "payara/payara.properties", "--systemproperties", "payara/earshot.properties", "--systemproperties",
                DIR.resolve("earshot.properties").toString(), "--deploy", "target/earshot.war", "--contextroot", "/")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = b.start();
        servers.add(p);
        long end = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (true) {
            assertTrue(p.isAlive(), () -> "Payara Micro exited; see " + log);
            try {
                JsonNode s = json(get("/v1/status"));
                if (s.path("engine").path("ready").asBoolean()) {
                    return p;
                }
            } catch (IOException | AssertionError e) {
                // not up yet
            }
            assertTrue(System.nanoTime() < end, () -> "Payara Micro not ready after 240 s; see " + log);
            Thread.sleep(500);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        if (r.statusCode() >= 300) {
            throw new AssertionError(r.statusCode() + " " + r.body());
        }
        return StreamClient.JSON.readTree(r.body());
    }

    @Test
    void aRunningJobAndAnUploadSurviveTheServerBeingKilled() throws Exception {
        if (Files.exists(DIR)) {
            try (Stream<Path> all = Files.walk(DIR)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(DIR);
        Files.writeString(DIR.resolve("earshot.properties"), "earshot.spool.dir=" + DIR.resolve("spool") + "\n"
                + "earshot.jobs.dir=" + DIR.resolve("jobs") + "\n");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process first = start(1);

        List<LibriVox.Clip> clips = new ArrayList<>(LibriVox.clips());
        clips.addAll(LibriVox.clips());
        byte[] wav = JobsIT.wav(clips);
        JsonNode job = json(HTTP.send(HttpRequest.newBuilder(uri("/v1/jobs?align=false&diarize=false"))
                .header("Content-Type", "audio/wav").POST(HttpRequest.BodyPublishers.ofByteArray(wav)).build(),
                HttpResponse.BodyHandlers.ofString()));
        String id = job.path("id").asText();

        byte[] upload = JobsIT.wav(LibriVox.clips().subList(0, 1));
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(uri("/v1/uploads"))
                .header("Tus-Resumable", "1.0.0").header("Upload-Length", Integer.toString(upload.length))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created::body);
        URI uploadUri = URI.create(created.headers().firstValue("Location").orElseThrow());
        int half = upload.length / 2;
        HttpResponse<String> patched = HTTP.send(HttpRequest.newBuilder(uploadUri).header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", "0").header("Content-Type", "application/offset+octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(upload, half))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, patched.statusCode(), patched::body);

        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode before = json(get("/v1/jobs/" + id));
        while (!(before.path("stage").asText().equals("transcribing") && before.path("detail").asText()
                .matches("segment [2-9]\\d* of \\d+"))) {
            assertTrue(System.nanoTime() < end, before::toString);
            Thread.sleep(100);
            before = json(get("/v1/jobs/" + id));
        }
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        System.out.println("killed the server with job " + id + " at " + before.path("detail").asText());

        start(2);
        JsonNode after = json(get("/v1/jobs/" + id));
        assertTrue(after.path("event_id").asLong() > before.path("event_id").asLong(), after::toString);
        HttpResponse<String> head = HTTP.send(HttpRequest.newBuilder(uploadUri).header("Tus-Resumable", "1.0.0")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals(Integer.toString(half), head.headers().firstValue("Upload-Offset").orElseThrow());
        HttpResponse<String> rest = HTTP.send(HttpRequest.newBuilder(uploadUri).header("Tus-Resumable", "1.0.0")
                .header("Upload-Offset", Integer.toString(half))
                .header("Content-Type", "application/offset+octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(upload, half,
                        upload.length))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, rest.statusCode(), rest::body);

        end = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (!after.path("stage").asText().equals("complete")) {
            assertTrue(System.nanoTime() < end, after::toString);
            assertTrue(!after.path("stage").asText().equals("failed"), after::toString);
            Thread.sleep(250);
            after = json(get("/v1/jobs/" + id));
        }
        assertEquals(2, after.path("attempts").asInt(), after::toString);
        String text = json(get("/v1/jobs/" + id + "/transcript")).path("text").asText();
        assertTrue(text.contains("dashwood"), text);
        String uploadId = uploadUri.getPath().substring(uploadUri.getPath().lastIndexOf('/') + 1);
        JsonNode up = json(get("/v1/jobs/" + uploadId));
        assertTrue(List.of("queued", "transcribing", "aligning", "diarizing", "complete")
                .contains(up.path("stage").asText()), up::toString);
    }
}
