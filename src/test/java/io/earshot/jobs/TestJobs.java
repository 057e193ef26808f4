package io.earshot.jobs;

import io.earshot.config.EarshotConfig;
import io.earshot.engine.Recognition;
import io.earshot.engine.SpeakerTurn;
import io.earshot.spool.SessionStore;
import io.earshot.transcription.EngineService;
import io.earshot.transcription.GuardedEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * A {@link JobService} without a container, for the rules' tests: jobs in a temporary directory, a clock the
 * test moves, an engine that answers at once, workers that run only when the test says, and the published
 * {@link JobChanged} events in a list.
 */
final class TestJobs {

    final Path dir;
    final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    final FakeEngine engine = new FakeEngine();
    final ManualExecutor workers = new ManualExecutor();
    final List<JobRecord> published = new CopyOnWriteArrayList<>();
    final FileJobStore store;
    final JobService jobs;
    final EarshotConfig config;
    /** Also told of every published change, after it was added to {@link #published}. */
    volatile java.util.function.Consumer<JobChanged> onPublish = e -> { };

    TestJobs(Path dir, String... settings) {
        this.dir = dir;
        Map<String, String> values = new HashMap<>();
        values.put("earshot.jobs.dir", dir.resolve("jobs").toString());
        values.put("earshot.spool.dir", dir.resolve("spool").toString());
        for (int i = 0; i + 1 < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        config = EarshotConfig.from(values);
        store = new FileJobStore(config.jobsDir);
        jobs = new JobService(config, store, engine, workers, e -> {
            published.add(e.record());
            onPublish.accept(e);
        }, clock, SessionStore.configured(config));
    }

    /** The same directory after a restart: a new service over what the last one stored. */
    TestJobs restarted(String... settings) {
        return new TestJobs(dir, settings);
    }

    JobRecord tusUpload(long length) throws Exception {
        return jobs.createUpload(length, "audio/wav", "talk.wav", false, false, "anonymous");
    }

    JobRecord oneRequestUpload(byte[] wav, boolean align, boolean diarize) throws Exception {
        return jobs.createFromUpload(new ByteArrayInputStream(wav), "audio/wav", "talk.wav", align, diarize,
                "anonymous");
    }

    /** The stages the published records went through, each once, in order. */
    List<Stage> stagesPublished(String id) {
        List<Stage> out = new ArrayList<>();
        for (JobRecord r : published) {
            if (r.id().equals(id) && (out.isEmpty() || out.get(out.size() - 1) != r.stage())) {
                out.add(r.stage());
            }
        }
        return out;
    }

    /** {@code seconds} of 16 kHz mono 16-bit WAV: a loud noise burst in the first half of every second. */
    static byte[] wav(int seconds) {
        Random random = new Random(7);
        int samples = seconds * 16_000;
        ByteBuffer pcm = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < samples; i++) {
            boolean loud = i % 16_000 < 8_000;
            pcm.putShort((short) (random.nextGaussian() * (loud ? 6_000 : 20)));
        }
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes()).putInt(36 + samples * 2).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(16_000).putInt(32_000).putShort((short) 2)
                .putShort((short) 16).put("data".getBytes()).putInt(samples * 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.writeBytes(pcm.array());
        return out.toByteArray();
    }

    /** A tail body: chunks {@code from..to} (640 bytes each) as frames of up to 10, each after its 4-byte length. */
    static byte[] tail(long from, long to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long s = from; s <= to; s += 10) {
            int n = (int) Math.min(10, to - s + 1);
            byte[][] payloads = new byte[n][];
            for (int i = 0; i < n; i++) {
                payloads[i] = new byte[640];
            }
            ByteBuffer frame = io.earshot.protocol.AudioFrame.encode(s, payloads);
            byte[] b = new byte[frame.remaining()];
            frame.get(b);
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    /** A body that gives {@code bytes}, then fails as a connection that broke off. */
    static InputStream breaksAfter(byte[] bytes) {
        return new InputStream() {
            private int at;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (at >= bytes.length) {
                    throw new IOException("connection reset");
                }
                int n = Math.min(len, bytes.length - at);
                System.arraycopy(bytes, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }

    /** A clock that moves only when the test moves it. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Workers that run what they were given only when the test says, or refuse it. */
    static final class ManualExecutor implements Executor {
        final Deque<Runnable> tasks = new ArrayDeque<>();
        volatile boolean refusing;

        @Override
        public synchronized void execute(Runnable task) {
            if (refusing) {
                throw new RejectedExecutionException("refusing");
            }
            tasks.add(task);
        }

        /** Runs what was given, and what that gives, until nothing is left. */
        void runAll() {
            Runnable next;
            while ((next = poll()) != null) {
                next.run();
            }
        }

        synchronized Runnable poll() {
            return tasks.poll();
        }

        synchronized int pending() {
            return tasks.size();
        }
    }

    /**
     * An engine that is always there and recognizes one word per segment at once; it can be made to lose
     * itself mid-job, or to be failed for good.
     */
    static final class FakeEngine extends EngineService {
        volatile boolean available = true;
        volatile boolean failedForGood;
        volatile boolean lost;
        volatile int recognized;

        @Override
        public boolean isAvailable() {
            return available && !failedForGood;
        }

        @Override
        public boolean hasFailed() {
            return failedForGood;
        }

        @Override
        public String unavailableDetail() {
            return "the fake engine is away";
        }

        @Override
        public CompletableFuture<GuardedEngine.Outcome> recognizeInTurn(short[] samples) {
            if (lost) {
                return CompletableFuture.completedFuture(new GuardedEngine.Outcome(null, "engine_unavailable"));
            }
            recognized++;
            long ms = samples.length / 16;
            return CompletableFuture.completedFuture(new GuardedEngine.Outcome(List.of(new Recognition("word",
                    List.of(new Recognition.Word("word", 0, ms, 0.9)), null, 0, ms)), null));
        }

        @Override
        public <T> CompletableFuture<T> inTurn(Supplier<T> work) {
            return CompletableFuture.completedFuture(work.get());
        }

        @Override
        public List<Recognition.Word> align(short[] samples, int offset, int length, String transcript) {
            return List.of(new Recognition.Word("word", 10, length / 16, 0.9));
        }

        @Override
        public List<SpeakerTurn> diarize(short[] samples, int offset, int length) {
            return List.of(new SpeakerTurn("S1", 0, length / 16));
        }
    }
}
