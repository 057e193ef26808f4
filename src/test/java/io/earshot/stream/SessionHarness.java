package io.earshot.stream;

import io.earshot.audio.AudioCodec;
import io.earshot.config.EarshotConfig;
import io.earshot.config.EarshotConfig.Durability;
import io.earshot.engine.Recognition;
import io.earshot.jobs.JobRecord;
import io.earshot.jobs.JobRefusal;
import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.ServerMessage;
import io.earshot.spool.SessionStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Builds sessions and connections as a server would, with fakes for everything outside: a clock the test moves,
 * a transport that records what would go on the wire, a writer the test runs, a transcriber the test answers for,
 * and a job hand-off that records its calls. Storage is the real file store in a temporary directory.
 */
final class SessionHarness {

    /** A clock that moves only when told. */
    static final class FakeClock implements SessionClock {
        private long nanos = 1_000_000_000L;
        private Instant wall = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public Instant now() {
            return wall;
        }

        void advanceMs(long ms) {
            nanos += ms * 1_000_000L;
            wall = wall.plusMillis(ms);
        }
    }

    /** Runs the connections' writer tasks only when the test says so, on the test's thread. */
    static final class ManualWriter implements Executor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            while (true) {
                Runnable next;
                synchronized (this) {
                    next = tasks.poll();
                }
                if (next == null) {
                    return;
                }
                next.run();
            }
        }
    }

    /** What would have gone on the wire, and whether any of it went out under a session's lock. */
    static final class FakeTransport implements Outbound.Transport {
        final List<ServerMessage> sent = new ArrayList<>();
        Integer closeCode;
        String closeReason;
        int pings;
        /** Sessions whose lock must not be held while writing. */
        final List<Object> watched = new ArrayList<>();
        boolean wroteUnderLock;

        @Override
        public void send(ServerMessage message, Consumer<Throwable> done) {
            check();
            sent.add(message);
            done.accept(null);
        }

        @Override
        public void ping() {
            check();
            pings++;
        }

        @Override
        public void close(int code, String reason) {
            check();
            if (closeCode == null) {
                closeCode = code;
                closeReason = reason;
            }
        }

        private void check() {
            for (Object lock : watched) {
                wroteUnderLock |= Thread.holdsLock(lock);
            }
        }
    }

    /** A transcriber whose results the test hands over. */
    static final class FakeTranscription implements Transcription {
        final Transcription.Listener listener;
        long samples;
        boolean finished;
        boolean closed;
        long lag;

        FakeTranscription(Transcription.Listener listener) {
            this.listener = listener;
        }

        @Override
        public void accept(short[] s, int offset, int length) {
            samples += length;
        }

        @Override
        public void finish() {
            finished = true;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public long lagSamples() {
            return lag;
        }

        @Override
        public long transcribedThrough() {
            return 0;
        }

        void recognize(String text, long startMs, long endMs) {
            listener.recognized(List.of(new Recognition(text, List.of(), null, startMs, endMs)));
        }
    }

    /** Records hand-offs; refuses them when told to. */
    static final class FakeJobs implements JobHandoff {
        final List<String> handedOff = new ArrayList<>();
        final Map<String, JobRecord> bySession = new HashMap<>();
        boolean refuse;

        @Override
        public JobRecord createFromSession(String sessionId, String codec, long chunks, boolean awaitTail,
                boolean align, boolean diarize, String owner) throws JobRefusal, IOException {
            if (refuse) {
                throw new IOException("job store unavailable (test)");
            }
            JobRecord existing = bySession.get(sessionId);
            if (existing != null) {
                return existing;
            }
            handedOff.add(sessionId + ":" + chunks + (awaitTail ? ":tail" : ""));
            JobRecord job = new JobRecord("j_" + handedOff.size(), null, 0, null, 0, null, null, "session",
                    sessionId, chunks, codec, null, align, diarize, null, 0, null, null, 0, null, owner);
            bySession.put(sessionId, job);
            return job;
        }

        @Override
        public JobRecord jobOfSession(String sessionId) {
            return bySession.get(sessionId);
        }
    }

    /** One client connection and what it was sent. */
    final class Peer {
        final FakeTransport transport = new FakeTransport();
        final Connection connection;

        Peer() {
            connection = new Connection(null, "client-1", "alice", transport, config.heartbeatIntervalMs,
                    config.outboundQueue, writer, closer, clock);
        }

        /** Everything sent so far (the writer is run first). */
        List<ServerMessage> sent() {
            writer.runAll();
            return transport.sent;
        }

        <T extends ServerMessage> List<T> all(Class<T> type) {
            return sent().stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends ServerMessage> T last(Class<T> type) {
            List<T> of = all(type);
            return of.isEmpty() ? null : of.get(of.size() - 1);
        }

        List<String> errorCodes() {
            return all(ServerMessage.Error.class).stream().map(ServerMessage.Error::code).toList();
        }

        long lastAck() {
            ServerMessage.Ack ack = last(ServerMessage.Ack.class);
            return ack == null ? 0 : ack.seq();
        }

        Integer closeCode() {
            writer.runAll();
            closer.runAll();
            return transport.closeCode;
        }

        void audio(long firstSeq, int chunks) {
            connection.onAudio(frame(firstSeq, chunks));
        }
    }

    final FakeClock clock = new FakeClock();
    final ManualWriter writer = new ManualWriter();
    /** Runs the connections' transport closes, apart from the writer (as in the server). */
    final ManualWriter closer = new ManualWriter();
    final FakeJobs jobs = new FakeJobs();
    final List<FakeTranscription> transcriptions = new ArrayList<>();
    final EarshotConfig config;
    final SessionStore store;
    final SessionServices services;
    private int sessions;

    SessionHarness(Path spoolDir, String... settings) {
        Map<String, String> m = new HashMap<>();
        m.put("earshot.spool.dir", spoolDir.toString());
        for (int i = 0; i + 1 < settings.length; i += 2) {
            m.put(settings[i], settings[i + 1]);
        }
        config = EarshotConfig.from(m);
        store = SessionStore.configured(config);
        services = new SessionServices(config, clock, l -> {
            FakeTranscription t = new FakeTranscription(l);
            transcriptions.add(t);
            return t;
        }, jobs, null);
    }

    /** PCM 16 kHz mono, the server's limits, store-only unless {@code transcribe}. */
    SessionSettings settings(Durability durability, boolean transcribe) {
        return new SessionSettings(AudioCodec.PCM_S16LE, 16_000, 1, durability, SessionSettings.FEATURES,
                config.maxSessionDurationMs, config.idleTimeoutMs, config.resumeGraceMs, config.heartbeatIntervalMs,
                transcribe);
    }

    Peer connect() {
        return new Peer();
    }

    StreamSession start(Peer peer) {
        return start(peer, settings(Durability.OS, false));
    }

    StreamSession start(Peer peer, SessionSettings settings) {
        return start(peer, settings, services);
    }

    StreamSession start(Peer peer, SessionSettings settings, SessionServices with) {
        try {
            String id = "s_test" + (++sessions);
            StreamSession s = new StreamSession(id, "token-" + id, "client-1", "alice", settings, store.create(id),
                    with, null);
            peer.transport.watched.add(s);
            peer.connection.attach(s);
            s.attachFirst(peer.connection);
            return s;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A second connection resuming {@code s}, having seen events up to {@code lastEventSeq}. */
    Peer resume(StreamSession s, long lastEventSeq) {
        Peer p = connect();
        p.transport.watched.add(s);
        p.connection.attach(s);
        s.resume(p.connection, lastEventSeq);
        return p;
    }

    /** One timer pass over the session and the given connections. */
    boolean tick(StreamSession s, Peer... peers) {
        for (Peer p : peers) {
            p.connection.tick(clock.nanoTime(), config.startTimeoutMs);
        }
        return s.tick(clock.nanoTime());
    }

    /** A frame of {@code chunks} PCM chunks of 20 ms (640 bytes) from {@code firstSeq}. */
    static AudioFrame frame(long firstSeq, int chunks) {
        byte[][] payloads = new byte[chunks][];
        for (int i = 0; i < chunks; i++) {
            payloads[i] = new byte[640];
            payloads[i][0] = (byte) (firstSeq + i);
        }
        return frame(firstSeq, payloads);
    }

    static AudioFrame frame(long firstSeq, byte[]... payloads) {
        try {
            return AudioFrame.parse(AudioFrame.encode(firstSeq, payloads));
        } catch (AudioFrame.FrameFormatException e) {
            throw new AssertionError(e);
        }
    }
}
