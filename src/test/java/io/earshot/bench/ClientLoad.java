package io.earshot.bench;

import static io.earshot.bench.Bench.say;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.client.EarshotClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.glassfish.tyrus.client.ClientManager;

/**
 * The throughput benchmark's figures taken through Earshot's own Java client ({@link EarshotClient}), the way a
 * Java back end streams: e1. one session as fast as the client gets its chunks acknowledged, and e2. many
 * sessions at once, each sending 20 ms chunks at the pace of real audio, with the time from {@code send} to the
 * acknowledgement that covers the chunk. Every session must end with exactly the chunks it sent.
 */
final class ClientLoad {

    /** 20 ms of 16 kHz mono PCM. */
    static final int REALTIME_CHUNK_BYTES = 640;

    record Result(int sessions, int chunkBytes, long chunks, double seconds, double chunksPerSecond,
            ThroughputBenchmark.Latency ackLatency, CpuMeter.Usage cpu) {
    }

    private final ClientManager tyrus;
    private final String server;
    private final CpuMeter cpu;

    ClientLoad(ClientManager tyrus, String server, CpuMeter cpu) {
        this.tyrus = tyrus;
        this.server = server;
        this.cpu = cpu;
    }

    private EarshotClient client(EarshotClient.Listener listener) {
        return EarshotClient.builder(server).container(tyrus).transcribe(false).fallbackToJob(false)
                .listener(listener).build();
    }

    /** A chunk of a 440 Hz tone. */
    private static byte[] tone(int bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; b.hasRemaining(); i++) {
            b.putShort((short) (Math.sin(2 * Math.PI * 440 * i / 16000.0) * 8000));
        }
        return b.array();
    }

    /** Acknowledgement times of one session: {@code sentAt[seq]} when it was sent, latencies as acks arrive. */
    private static final class Acks implements EarshotClient.Listener {
        final long[] sentAt;
        final List<Long> latencies = new ArrayList<>();
        final AtomicLong acked = new AtomicLong();
        final AtomicReference<EarshotClient.ClientException> error = new AtomicReference<>();

        Acks(int capacity) {
            sentAt = new long[capacity + 1];
        }

        @Override
        public synchronized void acked(long seq) {
            long now = System.nanoTime();
            for (long s = acked.get() + 1; s <= seq && s < sentAt.length; s++) {
                if (sentAt[(int) s] != 0) {
                    latencies.add(now - sentAt[(int) s]);
                }
            }
            acked.set(Math.max(acked.get(), seq));
        }

        @Override
        public void error(EarshotClient.ClientException e) {
            error.compareAndSet(null, e);
        }

        synchronized void sent(long seq, long at) {
            if (seq < sentAt.length) {
                sentAt[(int) seq] = at;
            }
        }
    }

    /** e1: one session, {@code chunkBytes} chunks through {@link EarshotClient#send(byte[], Duration)}. */
    Result flatOut(int chunkBytes, long warmupNanos, long timedNanos, boolean print) throws Exception {
        byte[] chunk = tone(chunkBytes);
        Acks acks = new Acks(0);
        try (EarshotClient c = client(acks)) {
            c.start(Duration.ofSeconds(30));
            long warmEnd = System.nanoTime() + warmupNanos;
            long end = warmEnd + timedNanos;
            long sent = 0;
            CpuMeter.Sample cpu0 = null;
            long acked0 = 0;
            while (true) {
                long now = System.nanoTime();
                if (cpu0 == null && now >= warmEnd) {
                    cpu0 = cpu.sample();
                    acked0 = acks.acked.get();
                }
                if (now >= end) {
                    break;
                }
                c.send(chunk, Duration.ofSeconds(30));
                sent++;
            }
            CpuMeter.Sample cpu1 = cpu.sample();
            long acked1 = acks.acked.get();
            double secs = (cpu1.wallNanos() - cpu0.wallNanos()) / 1e9;
            JsonNode ended = c.end(Duration.ofMinutes(1));
            check(ended, sent, chunkBytes, acks);
            Result r = new Result(1, chunkBytes, acked1 - acked0, secs, (acked1 - acked0) / secs, null,
                    CpuMeter.between(cpu0, cpu1));
            if (print) {
                say(String.format(Locale.ROOT, "java client, one session, %d-byte chunks: %,10.0f acked chunks/s "
                        + "(%,d sent, all confirmed by ended)%n        client CPU %s, server CPU %s", chunkBytes,
                        r.chunksPerSecond, sent, r.cpu.client(), r.cpu.server()));
            }
            return r;
        }
    }

    /**
     * e2: {@code n} sessions at once, each sending a 640-byte chunk (20 ms of audio) every 20 ms for
     * {@code timedNanos}, from a small pool of threads; the latency is from the chunk's {@code send} to the
     * cumulative ack covering it.
     */
    Result realtime(int n, long timedNanos) throws Exception {
        byte[] chunk = tone(REALTIME_CHUNK_BYTES);
        int perSession = (int) (timedNanos / TimeUnit.MILLISECONDS.toNanos(20)) + 1;
        List<EarshotClient> clients = new ArrayList<>();
        List<Acks> acks = new ArrayList<>();
        ScheduledExecutorService pacer = Executors.newScheduledThreadPool(8);
        try {
            for (int i = 0; i < n; i++) {
                Acks a = new Acks(perSession);
                EarshotClient c = client(a);
                clients.add(c);
                acks.add(a);
                c.start(Duration.ofSeconds(30));
            }
            CpuMeter.Sample cpu0 = cpu.sample();
            List<ScheduledFuture<?>> ticks = new ArrayList<>();
            long[] sent = new long[n];
            for (int i = 0; i < n; i++) {
                int s = i;
                // Spread over the 20 ms so that the sessions do not all send at the same instant.
                ticks.add(pacer.scheduleAtFixedRate(() -> {
                    if (sent[s] >= perSession) {
                        return;
                    }
                    try {
                        // Noted before the send: the ack can come back before send returns.
                        acks.get(s).sent(sent[s] + 1, System.nanoTime());
                        clients.get(s).send(chunk);
                        sent[s]++;
                    } catch (EarshotClient.ClientException e) {
                        acks.get(s).error(e);
                    }
                }, i * 20_000L / n, 20_000, TimeUnit.MICROSECONDS));
            }
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(timedNanos) + 100);
            ticks.forEach(t -> t.cancel(false));
            pacer.shutdown();
            pacer.awaitTermination(5, TimeUnit.SECONDS);
            CpuMeter.Sample cpu1 = cpu.sample();
            long total = 0;
            List<Long> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                JsonNode ended = clients.get(i).end(Duration.ofMinutes(1));
                check(ended, sent[i], REALTIME_CHUNK_BYTES, acks.get(i));
                total += sent[i];
                synchronized (acks.get(i)) {
                    all.addAll(acks.get(i).latencies);
                }
            }
            double secs = (cpu1.wallNanos() - cpu0.wallNanos()) / 1e9;
            ThroughputBenchmark.Latency latency = ThroughputBenchmark.Latency.of(
                    all.stream().mapToLong(Long::longValue).toArray());
            Result r = new Result(n, REALTIME_CHUNK_BYTES, total, secs, total / secs, latency,
                    CpuMeter.between(cpu0, cpu1));
            say(String.format(Locale.ROOT, "java client, %d sessions in real time: %,d chunks (%,.0f/s), send -> ack "
                    + "p50 %.2f ms, p99 %.2f ms, max %.2f ms%n        client CPU %s, server CPU %s", n, total,
                    r.chunksPerSecond, latency.p50(), latency.p99(), latency.max(), r.cpu.client(), r.cpu.server()));
            return r;
        } finally {
            pacer.shutdownNow();
            clients.forEach(EarshotClient::close);
        }
    }

    /** The server's {@code ended} must count exactly the chunks sent, and no error may have come. */
    private static void check(JsonNode ended, long sent, int chunkBytes, Acks acks) {
        if (acks.error.get() != null) {
            throw new IllegalStateException("client error " + acks.error.get().code() + ": "
                    + acks.error.get().getMessage());
        }
        if (ended.path("last_seq").asLong() != sent || ended.path("bytes").asLong() != sent * chunkBytes) {
            throw new IllegalStateException("ended does not match the " + sent + " chunks sent: " + ended);
        }
    }
}
