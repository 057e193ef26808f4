package io.earshot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.it.engine.EnergyEngine;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * A Payara Micro started by a test itself, the way `mvn -Prun` starts it (same launcher jar, same payara/ files,
 * the WAR Maven built, context root /), on a loopback port of its own, with its spool and jobs directories
 * under one test directory, so that a test can stop or kill it and start another on the same data. With
 * {@link #withEnergyEngine} it runs the fast test engine instead of Sphinx4.
 */
final class PayaraProcess implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Path dir;
    private final int port;
    private final java.util.List<String> jvmOptions = new java.util.ArrayList<>();
    private final java.util.List<String> microOptions = new java.util.ArrayList<>();
    private Process process;
    private int boots;
    /** The WAR it deploys: the one Maven built, or {@link #energyEngineWar()}. */
    private Path war = Path.of("target/earshot.war");

    /** Empties {@code dir} and picks a free loopback port; extra lines go into the server's Earshot settings. */
    PayaraProcess(Path dir, String... settings) throws IOException {
        this.dir = dir;
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
        StringBuilder props = new StringBuilder("earshot.spool.dir=" + dir.resolve("spool") + "\n"
                + "earshot.jobs.dir=" + dir.resolve("jobs") + "\n");
        for (String s : settings) {
            props.append(s).append('\n');
        }
        Files.writeString(dir.resolve("earshot.properties"), props.toString());
        port = freePort();
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    private static PayaraProcess loadServer;

    /**
     * The server the load tests share (LeakIT, FaultInjectionIT: one boot for both when they run in the same test
     * JVM), with limits high enough for them and the fast test engine (their subject is the transport); started on
     * first use, stopped when the test JVM exits. The engine may take up to 3 minutes after {@code end} to finish a
     * session's transcripts: FaultInjectionIT checks that a transcribed session's events arrive once and in full
     * through a thousand cuts, and past the end wait the session would be handed off to a job instead (a CI run
     * failed on that, with Sphinx4 on a busy machine).
     */
    static synchronized PayaraProcess loadServer() throws Exception {
        if (loadServer == null) {
            PayaraProcess p = new PayaraProcess(Path.of("target/load-it" + fork()),
                    "earshot.limits.connections-per-minute=1000000", "earshot.limits.max-sessions-per-client=200",
                    "earshot.limits.max-connections=400", "earshot.limits.audio-seconds-per-minute=1000000",
                    "earshot.engine.end-wait-ms=180000").withEnergyEngine();
            p.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    p.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            loadServer = p;
        }
        return loadServer;
    }

    /**
     * Runs the fast test engine ({@link EnergyEngine}) instead of Sphinx4, for tests whose subject is not
     * recognition: no model to load at boot, transcripts in microseconds. Call before {@link #start}.
     */
    PayaraProcess withEnergyEngine() throws IOException {
        Files.writeString(dir.resolve("earshot.properties"), "earshot.engine=" + EnergyEngine.class.getName() + "\n",
                StandardOpenOption.APPEND);
        war = energyEngineWar();
        return this;
    }

    private static Path energyEngineWar;

    /**
     * target/earshot-energy-engine-N.war (N: the test JVM): the WAR Maven built with {@link EnergyEngine} added to its classes, where
     * the application's class loader finds it (made once per test JVM; target/earshot.war stays as built).
     */
    static synchronized Path energyEngineWar() {
        if (energyEngineWar == null) {
            Path out = Path.of("target/earshot-energy-engine" + fork() + ".war");
            ShrinkWrap.createFromZipFile(WebArchive.class, new File("target/earshot.war")).addClass(EnergyEngine.class)
                    .as(ZipExporter.class).exportTo(out.toFile(), true);
            energyEngineWar = out;
        }
        return energyEngineWar;
    }

    /** JVM options (before {@code -jar}) and Payara Micro options for the next start. */
    PayaraProcess with(java.util.List<String> jvm, java.util.List<String> micro) {
        jvmOptions.addAll(jvm);
        microOptions.addAll(micro);
        return this;
    }

    /**
     * The test JVM's number as a suffix ("-1", "-2"; empty outside Maven), for the files that a JVM makes for its own
     * use: failsafe runs two test JVMs at once (pom.xml).
     */
    static String fork() {
        String n = System.getProperty("it.fork", "");
        return n.matches("\\d+") ? "-" + n : "";
    }

    /** A free loopback port. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    URI streamUri() {
        return URI.create("ws://127.0.0.1:" + port + "/v1/stream");
    }

    /** Starts a server and waits (at most 240 s) until its engine is ready; its output goes to payara-N.log. */
    void start() throws Exception {
        boots++;
        Path log = dir.resolve("payara-" + boots + ".log");
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(java.util.List.of("-jar", System.getProperty("payara.microJar", "target/payara-micro.jar"),
                "--nocluster", "--port", Integer.toString(port), "--prebootcommandfile", "payara/pre-boot-commands.txt",
                "--postbootcommandfile", "payara/post-boot-commands.txt", "--systemproperties",
                "payara/payara.properties", "--systemproperties", "payara/earshot.properties", "--systemproperties",
                dir.resolve("earshot.properties").toString(), "--deploy", war.toString(), "--contextroot", "/"));
        command.addAll(microOptions);
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("Payara Micro exited; see " + log);
            }
            try {
                HttpResponse<String> r = get("/v1/status");
                if (r.statusCode() == 200 && StreamClient.JSON.readTree(r.body()).path("engine").path("ready")
                        .asBoolean()) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("Payara Micro not ready after 240 s; see " + log);
            }
            Thread.sleep(500);
        }
    }

    /** Kills the server's JVM outright (SIGKILL: no shutdown hooks, nothing flushed). */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** Stops the server as an operator would (SIGTERM: Payara Micro shuts down and undeploys the application). */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The server JVM's process id. */
    long pid() {
        return process.pid();
    }

    Path log() {
        return dir.resolve("payara-" + boots + ".log");
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return HTTP.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        if (r.statusCode() >= 300) {
            throw new AssertionError(r.statusCode() + " " + r.body());
        }
        return StreamClient.JSON.readTree(r.body());
    }

    /** The JSON body of an error answer. */
    static JsonNode errorJson(HttpResponse<String> r) throws IOException {
        return StreamClient.JSON.readTree(r.body());
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop();
        }
    }
}
