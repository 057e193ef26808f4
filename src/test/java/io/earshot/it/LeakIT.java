package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No leaks: 100 sessions stream at once for 60 s (store-only, 100 ms PCM chunks in real time), then end; the
 * server's heap after a full GC, its live threads and its open file descriptors must come back to their baseline
 * (tolerances below). Then 20 sessions are dropped without a word and must be reaped after their grace period.
 * The server is a Payara Micro of the tests' own ({@link PayaraProcess#loadServer}); heap is read with {@code jcmd}, threads
 * and descriptors from Linux {@code /proc}. Figures go to standard output (and docs/reliability.md).
 */
class LeakIT {

    static final int SESSIONS = 100;
    static final Duration STREAM_FOR = Duration.ofSeconds(60);
    /** Allowed growth after everything closed, against the warmed-up baseline: heap after GC, threads, descriptors. */
    static final long HEAP_TOLERANCE_MB = 24;
    static final int THREAD_TOLERANCE = 8;
    static final int FD_TOLERANCE = 8;

    record Usage(long heapUsedKb, int threads, int fds) {
        @Override
        public String toString() {
            return String.format("heap %.1f MB, %d threads, %d fds", heapUsedKb / 1024.0, threads, fds);
        }
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jcmd " + command);
        return out;
    }

    /** After two full GCs, a settled reading. */
    private static Usage usage(long pid) throws Exception {
        jcmd(pid, "GC.run");
        Thread.sleep(500);
        jcmd(pid, "GC.run");
        Thread.sleep(500);
        Matcher m = Pattern.compile("used (\\d+)K").matcher(jcmd(pid, "GC.heap_info"));
        assertTrue(m.find(), "heap info");
        long heap = Long.parseLong(m.group(1));
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring(8).trim());
            }
        }
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        return new Usage(heap, threads, fds);
    }

    private static void awaitStatus(PayaraProcess server, String field, int value, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (true) {
            JsonNode s = PayaraProcess.json(server.get("/v1/status"));
            if (s.path(field).asInt() == value) {
                return;
            }
            assertTrue(System.nanoTime() < end, () -> field + " not " + value + ": " + s);
            Thread.sleep(100);
        }
    }

    /** One session streaming 100 ms chunks in real time until {@code until}, then ending it. */
    private static long stream(PayaraProcess server, long until, int grace) throws IOException {
        try (StreamClient c = StreamClient.connect(server.streamUri())) {
            c.start(Map.of("limits", Map.of("resume_grace_ms", grace)));
            List<byte[]> chunk = Frames.pcmChunks(1, 3_200, 3);
            long seq = 0;
            long next = System.nanoTime();
            while (System.nanoTime() < until) {
                seq++;
                c.sendBinary(io.earshot.protocol.AudioFrame.encode(seq, chunk.get(0)));
                next += 100_000_000L;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    try {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            c.awaitAck(seq);
            c.sendJson(Map.of("type", "end"));
            JsonNode ended = c.expect("ended");
            assertEquals(seq, ended.path("last_seq").asLong());
            return seq;
        }
    }

    @Test
    void nothingLeaksAfterAHundredSessionsAndAbandonedOnesAreReaped() throws Exception {
        PayaraProcess server = PayaraProcess.loadServer();
        long pid = server.pid();
        // Warm up with the same load for 5 s, so that class loading and the server's thread pools growing to
        // the load are in the baseline: what grows after it, round after round, is a leak.
        ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
        long warm = System.nanoTime() + 5_000_000_000L;
        List<Future<Long>> warmUp = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            warmUp.add(pool.submit(() -> stream(server, warm, 1_000)));
        }
        for (Future<Long> f : warmUp) {
            f.get(120, TimeUnit.SECONDS);
        }
        // (connections that other tests on this server cut in their handshakes are forgotten 25 s later at most,
        // their sessions kept for replay up to a minute after they ended)
        awaitStatus(server, "connections", 0, Duration.ofSeconds(60));
        awaitStatus(server, "sessions_ended_replayable", 0, Duration.ofSeconds(90));
        Usage baseline = usage(pid);

        long until = System.nanoTime() + STREAM_FOR.toNanos();
        List<Future<Long>> runs = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            runs.add(pool.submit(() -> stream(server, until, 1_000)));
        }
        Thread.sleep(STREAM_FOR.toMillis() / 2);
        Usage during = usage(pid);
        long chunks = 0;
        for (Future<Long> f : runs) {
            chunks += f.get(STREAM_FOR.toSeconds() + 60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        awaitStatus(server, "connections", 0, Duration.ofSeconds(30));
        awaitStatus(server, "sessions_ended_replayable", 0, Duration.ofSeconds(30));
        Usage after = usage(pid);
        System.out.printf("leaks: %d sessions, %d chunks of 100 ms stored; baseline %s; while streaming %s; "
                + "after %s%n", SESSIONS, chunks, baseline, during, after);

        // Abandoned: 20 sessions whose clients vanish (TCP reset, no end), with a 2 s grace period.
        try (CuttableProxy proxy = new CuttableProxy(server.port())) {
            List<StreamClient> gone = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                StreamClient c = StreamClient.connect(java.net.URI.create("ws://127.0.0.1:" + proxy.port()
                        + "/v1/stream"));
                c.start(Map.of("limits", Map.of("resume_grace_ms", 2_000)));
                c.sendBinary(Frames.frame(Frames.pcmChunks(10, 640, 5), 1, 10));
                c.awaitAck(10);
                gone.add(c);
            }
            proxy.cutAll();
            long cut = System.nanoTime();
            awaitStatus(server, "sessions_detached", 0, Duration.ofSeconds(20));
            awaitStatus(server, "sessions_ended_replayable", 0, Duration.ofSeconds(20));
            System.out.printf("abandoned: 20 sessions reaped %.1f s after their clients vanished (grace 2 s)%n",
                    (System.nanoTime() - cut) / 1e9);
            gone.forEach(StreamClient::close);
        }
        Usage end = usage(pid);
        System.out.printf("leaks: after the abandoned sessions %s%n", end);
        for (Usage u : List.of(after, end)) {
            assertTrue(u.heapUsedKb() - baseline.heapUsedKb() <= HEAP_TOLERANCE_MB * 1024,
                    () -> "heap " + baseline + " -> " + u);
            assertTrue(u.threads() - baseline.threads() <= THREAD_TOLERANCE, () -> "threads " + baseline + " -> " + u);
            assertTrue(u.fds() - baseline.fds() <= FD_TOLERANCE, () -> "fds " + baseline + " -> " + u);
        }
    }
}
