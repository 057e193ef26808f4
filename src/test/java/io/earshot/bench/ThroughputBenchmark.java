package io.earshot.bench;

import static io.earshot.bench.Bench.say;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.client.ClientProperties;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The throughput benchmark (run with {@code mvn -Pbench verify}; never part of the normal build). It deploys
 * the WAR Maven built, plus the bare {@link EchoEndpoint}, to one managed Payara Micro with the server's
 * default limits, and measures over loopback, each figure after a warm-up and over a fixed time:
 * <ol>
 * <li>acked chunks per second on one streaming session, 160-byte chunks (5 ms of 16 kHz mono PCM) sent
 * many to a frame and pipelined within the credit window of {@code started};</li>
 * <li>raw WebSocket echo round trips per second on one connection (160-byte messages, 256 in flight), and
 * acked chunks per second with one chunk per frame, for comparison;</li>
 * <li>their ratio against the targets;</li>
 * <li>connect-to-{@code started} latency over sequential new connections.</li>
 * </ol>
 * Figures go to standard output and, as a Markdown table, to {@code target/benchmarks.md}. CPU time of the
 * client (this JVM) and of the server process is reported with each figure, since both share the machine.
 * Then two extra runs are profiled with Flight Recorder (not part of the figures).
 *
 * <p>System properties (e.g. {@code mvn -Pbench verify -Dbench.seconds=5}): {@code bench.seconds} (timed
 * phase, 10), {@code bench.warmup.seconds} (3), {@code bench.chunksPerFrame} (32,64,128),
 * {@code bench.echo.inFlight} (256), {@code bench.connections} (200), {@code bench.profile} (true),
 * {@code bench.enforceTargets} (false: a missed target is reported, not failed), {@code bench.keepSpool} (false:
 * the audio spooled by the run, over a gigabyte, is deleted at the end).
 */
@ExtendWith(ArquillianExtension.class)
class ThroughputBenchmark {

    static final int CHUNK_BYTES = 160;
    static final double TARGET_CHUNKS_PER_SECOND = 100_000;
    static final double TARGET_RATIO = 0.5;

    private static final long WARMUP_NANOS = TimeUnit.MILLISECONDS.toNanos(
            (long) (1000 * Double.parseDouble(System.getProperty("bench.warmup.seconds", "3"))));
    private static final long TIMED_NANOS = TimeUnit.MILLISECONDS.toNanos(
            (long) (1000 * Double.parseDouble(System.getProperty("bench.seconds", "10"))));
    private static final int[] CHUNKS_PER_FRAME = Arrays.stream(
            System.getProperty("bench.chunksPerFrame", "32,64,128").split(","))
            .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    private static final int ECHO_IN_FLIGHT = Integer.getInteger("bench.echo.inFlight", 256);
    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 200);
    private static final int CLIENT_SESSIONS = Integer.getInteger("bench.client.sessions", 100);
    private static final int WARMUP_CONNECTIONS = 50;
    private static final boolean PROFILE = Boolean.parseBoolean(System.getProperty("bench.profile", "true"));
    private static final boolean ENFORCE = Boolean.getBoolean("bench.enforceTargets");
    private static final boolean KEEP_SPOOL = Boolean.getBoolean("bench.keepSpool");
    /** The spool directory of the benchmark's server (src/test/resources-bench/earshot-bench.properties). */
    private static final Path SPOOL = Path.of("target/bench-spool");

    private static final Path TARGET = Path.of("target");

    @Deployment(testable = false)
    static WebArchive deployment() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File("target/earshot.war"))
                .addClass(EchoEndpoint.class);
    }

    @ArquillianResource
    URL base;

    private ClientManager client;
    private CpuMeter cpu;

    /** One streaming measurement. */
    record StreamResult(int chunksPerFrame, int window, double chunksPerSecond, double framesPerSecond,
            double acksPerSecond, long slowDowns, CpuMeter.Usage cpu, long chunksStored, Instant timedFrom,
            Instant timedTo) {
    }

    record EchoResult(int inFlight, double roundTripsPerSecond, CpuMeter.Usage cpu) {
    }

    record Latency(double p50, double p90, double p99, double max, double mean) {
        static Latency of(long[] nanos) {
            long[] s = nanos.clone();
            Arrays.sort(s);
            double mean = Arrays.stream(s).average().orElse(0) / 1e6;
            return new Latency(pct(s, 50), pct(s, 90), pct(s, 99), s[s.length - 1] / 1e6, mean);
        }

        /** Nearest-rank percentile, in milliseconds. */
        private static double pct(long[] sorted, double p) {
            int rank = (int) Math.ceil(p / 100.0 * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
        }
    }

    record LatencyResult(int connections, Latency connectToStarted, Latency handshake, Latency startToStarted,
            CpuMeter.Usage cpu, double seconds) {
    }

    @Test
    void measure() throws Exception {
        client = ClientManager.createClient();
        // One shared client transport (otherwise Tyrus builds a new one, with its threads, per connection).
        client.getProperties().put(ClientProperties.SHARED_CONTAINER, true);
        cpu = CpuMeter.create();
        say("Earshot throughput benchmark: server " + streamUri() + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, warm-up " + seconds(WARMUP_NANOS)
                + " s and timed " + seconds(TIMED_NANOS) + " s per figure; server process "
                + cpu.server().map(p -> "found").orElse("NOT found (no server CPU)"));

        // An idle connection held open throughout: the shared client transport shuts down when its last
        // connection closes, which the one-connection-at-a-time latency loop would otherwise hit.
        EchoResult echo;
        List<StreamResult> batched = new ArrayList<>();
        StreamResult single;
        LatencyResult latency;
        ClientLoad.Result clientFlatOut;
        ClientLoad.Result clientRealtime;
        String profile = "";
        try (EchoConnection keeper = EchoConnection.open(client, echoUri())) {
            warmUp();
            echo = echo(ECHO_IN_FLIGHT);
            for (int k : CHUNKS_PER_FRAME) {
                batched.add(stream(k, WARMUP_NANOS, TIMED_NANOS));
            }
            single = stream(1, WARMUP_NANOS, TIMED_NANOS);
            latency = latency(CONNECTIONS);
            ClientLoad load = new ClientLoad(client, "http://127.0.0.1:" + base.getPort() + base.getPath(), cpu);
            load.flatOut(CHUNK_BYTES, WARMUP_NANOS, TimeUnit.SECONDS.toNanos(1), false); // warm-up
            clientFlatOut = load.flatOut(CHUNK_BYTES, WARMUP_NANOS, TIMED_NANOS, true);
            clientRealtime = load.realtime(CLIENT_SESSIONS, TIMED_NANOS);
            if (PROFILE) {
                profile = profile(best(batched).chunksPerFrame);
            }
        } finally {
            client.shutdown();
        }
        if (!KEEP_SPOOL) {
            deleteSpool();
        }

        String report = report(echo, batched, single, latency, clientFlatOut, clientRealtime, profile);
        Files.createDirectories(TARGET);
        Files.writeString(TARGET.resolve("benchmarks.md"), report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(report);
        System.out.println("(written to target/benchmarks.md)");

        StreamResult best = best(batched);
        if (ENFORCE) {
            assertTrue(best.chunksPerSecond >= TARGET_CHUNKS_PER_SECOND, "acked chunks/s below target");
            assertTrue(best.chunksPerSecond / echo.roundTripsPerSecond >= TARGET_RATIO, "ratio below target");
        }
    }

    /**
     * A few seconds of every kind of traffic first, so that the first figure is not the one that pays for
     * the JIT compiling the server's and the client's code paths (nor for the recompilation that the first
     * Flight Recorder recording causes, when profiling is on).
     */
    private void warmUp() throws Exception {
        if (PROFILE && cpu.server().isPresent() && Profiler.available()) {
            new Profiler(cpu.server().get().pid(), TARGET).prime();
        }
        say("warming up (echo, batched and single-chunk streaming, sessions; not measured)...");
        long second = TimeUnit.SECONDS.toNanos(1);
        echo(ECHO_IN_FLIGHT, 2 * second, second, false);
        stream(CHUNKS_PER_FRAME[CHUNKS_PER_FRAME.length - 1], 3 * second, second, false);
        stream(1, 2 * second, second, false);
        stream(CHUNKS_PER_FRAME[0], 2 * second, second, false);
        for (int i = 0; i < WARMUP_CONNECTIONS; i++) {
            oneSession();
        }
    }

    // ---- a. and b.: streaming

    /**
     * One session: frames of {@code k} chunks sent as fast as the credit window allows; acked chunks are
     * counted over the timed phase after the warm-up. Then everything is drained, the session ended, and the
     * server's {@code ended} must count exactly the chunks sent.
     */
    private StreamResult stream(int k, long warmupNanos, long timedNanos) throws Exception {
        return stream(k, warmupNanos, timedNanos, true);
    }

    private StreamResult stream(int k, long warmupNanos, long timedNanos, boolean print) throws Exception {
        try (StreamConnection c = StreamConnection.open(client, streamUri())) {
            JsonNode started = c.start();
            int window = started.path("window").asInt(1024);
            if (k > window) {
                throw new IllegalArgumentException(k + " chunks per frame exceed the window of " + window);
            }
            ByteBuffer frame = frameTemplate(k);
            long next = 1;
            long frames = 0;
            long warmEnd = System.nanoTime() + warmupNanos;
            long end = warmEnd + timedNanos;
            boolean timing = false;
            long ack0 = 0;
            long acks0 = 0;
            long frames0 = 0;
            long slow0 = 0;
            CpuMeter.Sample cpu0 = null;
            Instant from = null;
            while (true) {
                long now = System.nanoTime();
                if (!timing && now >= warmEnd) {
                    timing = true;
                    from = Instant.now();
                    cpu0 = cpu.sample();
                    ack0 = c.lastAck();
                    acks0 = c.acks();
                    frames0 = frames;
                    slow0 = c.slowDowns();
                }
                if (now >= end) {
                    break;
                }
                long last = next + k - 1;
                if (!c.awaitCredit(last, window, timing ? end : warmEnd)) {
                    continue;
                }
                frame.putInt(4, (int) next);
                c.sendBinary(frame.duplicate());
                frames++;
                next = last + 1;
            }
            CpuMeter.Sample cpu1 = cpu.sample();
            long ack1 = c.lastAck();
            long acks1 = c.acks();
            Instant to = Instant.now();
            double secs = (cpu1.wallNanos() - cpu0.wallNanos()) / 1e9;
            long sent = next - 1;
            c.awaitAck(sent, 10_000);
            JsonNode ended = c.end();
            assertEquals(sent, ended.path("last_seq").asLong(), () -> "ended does not match what was sent: " + ended);
            assertEquals((long) sent * CHUNK_BYTES, ended.path("bytes").asLong(), ended::toString);
            c.awaitClosed(5_000);
            StreamResult r = new StreamResult(k, window, (ack1 - ack0) / secs, (frames - frames0) / secs,
                    (acks1 - acks0) / secs, c.slowDowns() - slow0, CpuMeter.between(cpu0, cpu1), sent, from, to);
            if (print) {
                say(String.format(Locale.ROOT,
                        "stream %3d chunk(s)/frame: %,10.0f acked chunks/s  (%,.0f frames/s, %,.0f acks/s, window %d, "
                                + "%d flow slow_down, %,d chunks stored and confirmed by ended)%n        %s",
                        k, r.chunksPerSecond, r.framesPerSecond, r.acksPerSecond, window, r.slowDowns, sent,
                        cpuLine(r.cpu)));
            }
            return r;
        }
    }

    /** A frame of {@code k} 160-byte PCM chunks (a 440 Hz tone); the caller writes the first sequence number. */
    static ByteBuffer frameTemplate(int k) {
        byte[][] payloads = new byte[k][];
        int sample = 0;
        for (int i = 0; i < k; i++) {
            ByteBuffer b = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                b.putShort((short) (Math.sin(2 * Math.PI * 440 * sample++ / 16000.0) * 8000));
            }
            payloads[i] = b.array();
        }
        // The layout of io.earshot.protocol.AudioFrame: type 0x01, flags 0, count (u16), first seq (u32),
        // then per chunk a u32 length and the bytes; all big-endian.
        ByteBuffer out = ByteBuffer.allocate(8 + k * (4 + CHUNK_BYTES)).order(ByteOrder.BIG_ENDIAN);
        out.put((byte) 0x01).put((byte) 0).putShort((short) k).putInt(1);
        for (byte[] p : payloads) {
            out.putInt(p.length).put(p);
        }
        return out.flip();
    }

    // ---- b.: raw echo baseline

    private EchoResult echo(int inFlight) throws Exception {
        return echo(inFlight, WARMUP_NANOS, TIMED_NANOS, true);
    }

    private EchoResult echo(int inFlight, long warmupNanos, long timedNanos, boolean print) throws Exception {
        try (EchoConnection c = EchoConnection.open(client, echoUri())) {
            byte[] payload = new byte[CHUNK_BYTES];
            Arrays.fill(payload, (byte) 0x5A);
            ByteBuffer message = ByteBuffer.wrap(payload);
            long sent = 0;
            long warmEnd = System.nanoTime() + warmupNanos;
            long end = warmEnd + timedNanos;
            boolean timing = false;
            long received0 = 0;
            CpuMeter.Sample cpu0 = null;
            while (true) {
                long now = System.nanoTime();
                if (!timing && now >= warmEnd) {
                    timing = true;
                    cpu0 = cpu.sample();
                    received0 = c.received();
                }
                if (now >= end) {
                    break;
                }
                if (!c.awaitRoom(sent, inFlight, timing ? end : warmEnd)) {
                    continue;
                }
                c.send(message.duplicate());
                sent++;
            }
            CpuMeter.Sample cpu1 = cpu.sample();
            long received1 = c.received();
            double secs = (cpu1.wallNanos() - cpu0.wallNanos()) / 1e9;
            EchoResult r = new EchoResult(inFlight, (received1 - received0) / secs, CpuMeter.between(cpu0, cpu1));
            if (print) {
                say(String.format(Locale.ROOT, "raw echo, %d in flight: %,10.0f round trips/s%n        %s",
                        inFlight, r.roundTripsPerSecond, cpuLine(r.cpu)));
            }
            // Let the last answers arrive before closing, so the close is clean.
            c.awaitRoom(sent, 1, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            return r;
        }
    }

    // ---- d.: connect -> started latency

    private LatencyResult latency(int n) throws Exception {
        long[] total = new long[n];
        long[] handshake = new long[n];
        long[] start = new long[n];
        CpuMeter.Sample cpu0 = cpu.sample();
        for (int i = 0; i < n; i++) {
            long[] t = oneSession();
            handshake[i] = t[1] - t[0];
            start[i] = t[2] - t[1];
            total[i] = t[2] - t[0];
        }
        CpuMeter.Sample cpu1 = cpu.sample();
        LatencyResult r = new LatencyResult(n, Latency.of(total), Latency.of(handshake), Latency.of(start),
                CpuMeter.between(cpu0, cpu1), (cpu1.wallNanos() - cpu0.wallNanos()) / 1e9);
        say(String.format(Locale.ROOT,
                "connect -> started over %d sequential connections: p50 %.2f ms, p99 %.2f ms (handshake p50 %.2f ms, "
                        + "start -> started p50 %.2f ms)%n        %s",
                n, r.connectToStarted.p50, r.connectToStarted.p99, r.handshake.p50, r.startToStarted.p50,
                cpuLine(r.cpu)));
        return r;
    }

    /**
     * A new connection: handshake, {@code start}, {@code started}; then {@code end}, {@code ended} and the
     * server's close, so the session stops counting against the per-client limit. Returns the times before
     * connecting, after the handshake, and at {@code started}.
     */
    private long[] oneSession() throws Exception {
        long t0 = System.nanoTime();
        try (StreamConnection c = StreamConnection.open(client, streamUri())) {
            long t1 = System.nanoTime();
            c.start();
            long t2 = System.nanoTime();
            c.end();
            if (!c.awaitClosed(5_000)) {
                throw new IllegalStateException("the server did not close after ended");
            }
            return new long[] {t0, t1, t2};
        }
    }

    // ---- profile (not part of the figures)

    /**
     * Two extra runs under one Flight Recorder recording in the server and one in the client: one chunk per
     * frame, then the best batched frame size, each summarised over its own timed part only. Shorter than
     * the measured runs, and not part of the figures: recording costs a little.
     */
    private String profile(int best) {
        if (cpu.server().isEmpty() || !Profiler.available()) {
            return "Profiling skipped: server process or jcmd not found.\n";
        }
        long warmup = TimeUnit.SECONDS.toNanos(2);
        long timed = Math.min(TIMED_NANOS, TimeUnit.SECONDS.toNanos(5));
        StringBuilder md = new StringBuilder();
        md.append("Two extra runs, not part of the figures above, recorded with JDK Flight Recorder "
                + "(`settings=profile`) in the server and in the client; each summarised over its " + seconds(timed)
                + " s timed part, after " + seconds(warmup) + " s of warm-up. Java execution samples only: time "
                + "in the kernel, in GC and in the JIT is not sampled (see the CPU split). The recordings are left "
                + "in `target/bench-server.jfr` and `target/bench-client.jfr` (open them in JDK Mission Control or "
                + "with `jfr print`), and a server thread dump taken in the middle of the " + best
                + "-chunk run in `target/bench-server-threads.txt`.\n\n");
        try {
            Profiler p = new Profiler(cpu.server().get().pid(), TARGET);
            say("profiling: 1-chunk and " + best + "-chunk runs under Flight Recorder (not part of the figures)...");
            p.start();
            StreamResult single = stream(1, warmup, timed);
            Thread dumper = new Thread(() -> {
                try {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(warmup + timed / 2));
                    p.threadDump();
                } catch (Exception e) {
                    say("thread dump failed: " + e);
                }
            }, "bench-thread-dump");
            dumper.start();
            StreamResult batched = stream(best, warmup, timed);
            dumper.join();
            Path[] files = p.stop();
            for (StreamResult r : List.of(batched, single)) {
                md.append(String.format(Locale.ROOT, "### %d chunk(s) per frame, %,.0f acked chunks/s while "
                        + "recording%n%n", r.chunksPerFrame(), r.chunksPerSecond()));
                md.append(String.format(Locale.ROOT, "Client CPU %s, server CPU %s (%s); busiest server threads: "
                                + "%s; busiest client threads: %s.%n%n", r.cpu().client(), r.cpu().server(),
                        r.cpu().serverSplit(), r.cpu().serverBusiest(), r.cpu().clientBusiest()));
                section(md, "Server", Profiler.summarise(files[0], r.timedFrom(), r.timedTo()), true);
                section(md, "Client", Profiler.summarise(files[1], r.timedFrom(), r.timedTo()), false);
            }
        } catch (Exception e) {
            say("profiling failed: " + e);
            md.append("Profiling failed: ").append(e).append("\n\n");
        }
        return md.toString();
    }

    private static void section(StringBuilder md, String who, Profiler.Summary s, boolean full) {
        md.append("**").append(who).append("**, ").append(s.samples()).append(" execution samples.\n\n");
        if (full) {
            table(md, "Thread", s.byThread(), s.samples(), 4);
            table(md, "Self time by library", s.byComponent(), s.samples(), 8);
            table(md, "Self time by method", s.byTopFrame(), s.samples(), 12);
            table(md, "Inclusive time (anywhere on the stack): Earshot and notable platform methods",
                    s.inclusive(), s.samples(), 15);
            if (!s.blockedOn().isEmpty()) {
                table(md, "Contended monitor enters of 10 ms or more, by monitor class", s.blockedOn(), -1, 5);
            }
        } else {
            table(md, "Self time by method", s.byTopFrame(), s.samples(), 5);
        }
    }

    private static void table(StringBuilder md, String title, Map<String, Integer> rows, int total, int limit) {
        md.append("| ").append(title).append(" | samples |").append(total > 0 ? " share |" : "").append('\n');
        md.append("|---|---:|").append(total > 0 ? "---:|" : "").append('\n');
        rows.entrySet().stream().limit(limit).forEach(e -> {
            String k = e.getKey();
            int v = e.getValue();
            md.append("| `").append(k).append("` | ").append(v).append(" |");
            if (total > 0) {
                md.append(String.format(Locale.ROOT, " %.1f%% |", 100.0 * v / total));
            }
            md.append('\n');
        });
        md.append('\n');
    }

    // ---- report

    private String report(EchoResult echo, List<StreamResult> batched, StreamResult single, LatencyResult lat,
            ClientLoad.Result flatOut, ClientLoad.Result realtime, String profile) {
        StreamResult best = best(batched);
        StringBuilder md = new StringBuilder();
        md.append("# Earshot throughput benchmark\n\n");
        md.append(String.format(Locale.ROOT,
                "Run %s, %d cores, Java %s, one Payara Micro with Earshot's default limits; client and server on "
                        + "the same machine over loopback. Each figure: %s s warm-up, then %s s timed. CPU is in "
                        + "percent of one core (the machine has %d00%%); client = the benchmark JVM, server = the "
                        + "Payara Micro process.%n%n",
                OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                seconds(WARMUP_NANOS), seconds(TIMED_NANOS), Runtime.getRuntime().availableProcessors()));

        md.append("## Throughput, one connection\n\n");
        md.append("| Measurement | Rate | Frames/s | Acks/s | Client CPU | Server CPU (user + system) "
                + "| Busiest server thread |\n");
        md.append("|---|---:|---:|---:|---:|---:|---|\n");
        for (StreamResult r : batched) {
            streamRow(md, "a. acked chunks/s, " + r.chunksPerFrame + " chunks/frame, window " + r.window, r);
        }
        md.append(String.format(Locale.ROOT, "| b. raw WebSocket echo round trips/s, %d B, %d in flight | %,.0f | "
                        + "%,.0f | - | %s | %s | %s |%n",
                CHUNK_BYTES, echo.inFlight, echo.roundTripsPerSecond, echo.roundTripsPerSecond, echo.cpu.client(),
                serverCpu(echo.cpu), busiest(echo.cpu)));
        streamRow(md, "b. acked chunks/s, 1 chunk/frame, window " + single.window, single);
        md.append('\n');

        md.append("## Against the targets\n\n");
        md.append("| Figure | Value | Target | Met |\n|---|---:|---:|---|\n");
        md.append(String.format(Locale.ROOT, "| Acked chunks/s, best frame size (%d chunks/frame) | %,.0f | "
                        + "≥ 100,000 | %s |%n", best.chunksPerFrame, best.chunksPerSecond,
                best.chunksPerSecond >= TARGET_CHUNKS_PER_SECOND ? "yes" : "**no**"));
        double ratio = best.chunksPerSecond / echo.roundTripsPerSecond;
        md.append(String.format(Locale.ROOT, "| c. Ratio: acked chunks/s (%d chunks/frame) ÷ raw echo round trips/s "
                        + "| %s | ≥ 50%% | %s |%n", best.chunksPerFrame, ratio(ratio),
                ratio >= TARGET_RATIO ? "yes" : "**no**"));
        for (StreamResult r : batched) {
            if (r != best) {
                md.append(String.format(Locale.ROOT, "| Ratio at %d chunks/frame | %s | | |%n", r.chunksPerFrame,
                        ratio(r.chunksPerSecond / echo.roundTripsPerSecond)));
            }
        }
        md.append(String.format(Locale.ROOT, "| Ratio at 1 chunk/frame (message for message) | %s | "
                + "(comparison) | |%n", ratio(single.chunksPerSecond / echo.roundTripsPerSecond)));
        md.append('\n');

        md.append(String.format(Locale.ROOT, "## d. Connect → `started` latency, %d sequential new connections%n%n",
                lat.connections));
        md.append("Each connection: WebSocket handshake, `start` (pcm_s16le, 16 kHz, mono), `started`; then `end`, "
                + "`ended` and the server's close before the next one (" + WARMUP_CONNECTIONS
                + " more during the warm-up, not counted).\n\n");
        md.append("| Interval | p50 | p90 | p99 | max | mean |\n|---|---:|---:|---:|---:|---:|\n");
        latencyRow(md, "connect → `started` (total)", lat.connectToStarted);
        latencyRow(md, "handshake (connect returned)", lat.handshake);
        latencyRow(md, "`start` sent → `started`", lat.startToStarted);
        md.append(String.format(Locale.ROOT, "%nWhole loop: %.1f s for %d sessions including `end`/close; client "
                        + "CPU %s, server CPU %s; busiest server threads %s.%n%n", lat.seconds, lat.connections,
                lat.cpu.client(), serverCpu(lat.cpu), lat.cpu.serverBusiest()));

        md.append("## e. Through the Java client (`io.earshot.client.EarshotClient`)\n\n");
        md.append("The same server, driven through Earshot's own Java client on the same Tyrus transport, as a Java "
                + "back end would: `send` queues a chunk, the client's sender thread frames what the credit window "
                + "allows (up to 64 KiB a frame) and drops each chunk from its buffer when its ack comes. Store-only sessions "
                + "(`transcribe: false`); each session's `ended` must count exactly the chunks it sent.\n\n");
        md.append("| Measurement | Chunks | Rate | Client CPU | Server CPU (user + system) |\n|---|---:|---:|---:|---:|\n");
        md.append(String.format(Locale.ROOT, "| e1. one session, %d-byte chunks, `send(chunk, maxWait)` as fast as "
                        + "acks make room | %,d | %,.0f acked chunks/s (%s of a.'s best) | %s | %s |%n",
                flatOut.chunkBytes(), flatOut.chunks(), flatOut.chunksPerSecond(),
                ratio(flatOut.chunksPerSecond() / best.chunksPerSecond), flatOut.cpu().client(),
                serverCpu(flatOut.cpu())));
        md.append(String.format(Locale.ROOT, "| e2. %d sessions at once, each a %d-byte chunk (20 ms of audio) every "
                        + "20 ms for %.0f s | %,d | %,.0f chunks/s (%.1f× real time in all) | %s | %s |%n%n",
                realtime.sessions(), realtime.chunkBytes(), realtime.seconds(), realtime.chunks(),
                realtime.chunksPerSecond(), realtime.chunksPerSecond() / 50.0, realtime.cpu().client(),
                serverCpu(realtime.cpu())));
        md.append("e2, from `send` to the cumulative ack covering the chunk, over every chunk of every session:\n\n");
        md.append("| Interval | p50 | p90 | p99 | max | mean |\n|---|---:|---:|---:|---:|---:|\n");
        latencyRow(md, "`send` → ack", realtime.ackLatency());
        md.append('\n');

        if (!profile.isEmpty()) {
            md.append("## Profile\n\n").append(profile);
        }
        return md.toString();
    }

    private static void streamRow(StringBuilder md, String name, StreamResult r) {
        md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %s | %s | %s |%n", name,
                r.chunksPerSecond, r.framesPerSecond, r.acksPerSecond, r.cpu.client(), serverCpu(r.cpu),
                busiest(r.cpu)));
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%,.0f%% (%.2f×)", 100 * r, r);
    }

    private static String serverCpu(CpuMeter.Usage u) {
        if (u.serverUserPercent() < 0) {
            return u.server();
        }
        return String.format(Locale.ROOT, "%s (%.0f%% + %.0f%%)", u.server(), u.serverUserPercent(),
                u.serverSystemPercent());
    }

    private static String busiest(CpuMeter.Usage u) {
        return u.serverBusiest().isEmpty() ? "n/a" : "`" + u.serverBusiest().get(0) + "`";
    }

    private static String cpuLine(CpuMeter.Usage u) {
        String server = u.serverUserPercent() < 0 ? ""
                : " (" + u.serverSplit() + "; busiest threads " + u.serverBusiest() + ")";
        return "client CPU " + u.client() + " (busiest threads " + u.clientBusiest() + "), server CPU " + u.server()
                + server;
    }

    private static void deleteSpool() {
        if (!Files.isDirectory(SPOOL)) {
            return;
        }
        try (Stream<Path> all = Files.walk(SPOOL)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    // a file still open or already gone: leave it
                }
            });
        } catch (IOException e) {
            say("could not delete " + SPOOL + ": " + e);
        }
    }

    private static void latencyRow(StringBuilder md, String name, Latency l) {
        md.append(String.format(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n", name,
                l.p50, l.p90, l.p99, l.max, l.mean));
    }

    private static StreamResult best(List<StreamResult> results) {
        return results.stream().max((a, b) -> Double.compare(a.chunksPerSecond, b.chunksPerSecond)).orElseThrow();
    }

    // ---- helpers

    /** The injected URL names the machine's address, but the listener is on loopback only: use 127.0.0.1. */
    private URI uri(String relative) {
        String path = base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/";
        return URI.create("ws://127.0.0.1:" + base.getPort() + path + relative);
    }

    private URI streamUri() {
        return uri("v1/stream");
    }

    private URI echoUri() {
        return uri("bench/echo");
    }

    private static String seconds(long nanos) {
        double s = nanos / 1e9;
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

}
