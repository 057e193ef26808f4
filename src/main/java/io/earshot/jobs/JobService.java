package io.earshot.jobs;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException;
import io.earshot.audio.file.AudioFiles;
import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineService;
import io.earshot.spool.SessionStore;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Every job: admission against the bounds, uploads, the queue, the workers on the jobs'
 * {@code ManagedExecutorService} ({@code earshot.jobs.executor}, created by {@code payara/post-boot-commands.txt}),
 * cancellation, recovery after a restart and retention. Each change of a job's record is persisted first, then
 * fired as a {@link JobChanged} CDI event (asynchronous), which {@link JobWatchers} passes on to WebSocket
 * subscribers and long-polling clients.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Audio decoded to check an upload before it is accepted. */
    private static final long PROBE_SAMPLES = 16_000L * 5;

    @Inject
    EngineService engine;

    @Inject
    Event<JobChanged> events;

    @Resource
    private ManagedScheduledExecutorService scheduler;

    private EarshotConfig config;
    private JobStore store;
    private SessionStore spools;
    private ExecutorService workers;
    private String workersName;
    /** Null when the jobs directory is usable; otherwise why not. */
    private volatile String storeProblem;
    private ScheduledFuture<?> timer;
    private volatile boolean stopping;
    private long ticks;

    private io.earshot.security.RateLimiter uploadRate;
    private final Map<String, JobRecord> jobs = new ConcurrentHashMap<>();
    private final Map<String, Deque<JobRecord>> history = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Serializes hand-offs, so that a session gets one job. */
    private final Object handoffs = new Object();
    /** Guarded by {@code this}: jobs waiting for a worker, in order, and the runners of those that have one. */
    private final Deque<String> queue = new ArrayDeque<>();
    private final Map<String, JobRunner> running = new HashMap<>();

    /** Starts the service (recovering jobs) when the application starts, not on first use. */
    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object event) {
        if (event instanceof jakarta.servlet.ServletContext web) {
            JobRecord.contextPath(web.getContextPath());
        }
        status();
    }

    @PostConstruct
    void init() {
        config = EarshotConfig.current();
        store = new JobStore(config.jobsDir);
        spools = SessionStore.configured(config);
        uploadRate = new io.earshot.security.RateLimiter(config.uploadBytesPerMinute, config.rateLimitClients,
                System::nanoTime);
        try {
            store.init();
            recover(store.loadAll());
        } catch (IOException | RuntimeException e) {
            storeProblem = "jobs directory " + config.jobsDir + " is not usable: " + e.getMessage();
            LOG.log(Level.SEVERE, "Earshot cannot keep jobs; every job request will be refused", e);
        }
        workers = lookupWorkers();
        timer = scheduler.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    @PreDestroy
    void shutdown() {
        stopping = true;
        if (timer != null) {
            timer.cancel(false);
        }
        synchronized (this) {
            // Their records stay in their running stage on disk: the next start queues them again.
            running.values().forEach(JobRunner::cancel);
        }
    }

    private ExecutorService lookupWorkers() {
        List<String> names = List.of(config.jobsExecutor, "java:comp/DefaultManagedExecutorService");
        for (String name : names) {
            try {
                Object found = new InitialContext().lookup(name);
                if (found instanceof ExecutorService executor) {
                    workersName = name;
                    LOG.info(() -> "Earshot jobs run on " + name + ", " + config.jobsConcurrency + " at a time");
                    return executor;
                }
            } catch (NamingException e) {
                LOG.warning("Earshot: no managed executor service " + name + " (" + e.getMessage() + ")");
            }
        }
        throw new IllegalStateException("no managed executor service for jobs: tried " + names);
    }

    /** Queues again, in the order they were created, the jobs that were queued or running when the server stopped. */
    private void recover(List<JobRecord> found) {
        int requeued = 0;
        for (JobRecord r : found) {
            JobRecord current = r;
            if (r.stage().isRunning() && r.attempts() >= config.jobsMaxAttempts) {
                current = r.failed(new JobFailure("interrupted", "The job was interrupted by server restarts "
                        + "too often.", r.attempts() + " attempts, the last in stage " + r.stage().wireName(), true),
                        Instant.now());
                save(current);
            } else if (r.stage().isRunning()) {
                current = r.moved(Stage.QUEUED, 0, "queued again after a server restart", Instant.now());
                save(current);
                requeued++;
            }
            jobs.put(current.id(), current);
            remember(current);
            if (current.stage() == Stage.QUEUED) {
                synchronized (this) {
                    queue.add(current.id());
                }
            }
        }
        int again = requeued;
        LOG.info(() -> "Earshot jobs: " + found.size() + " on disk, " + again + " queued again after a restart");
    }

    // ---- reading ----

    public JobRecord get(String id) {
        return id == null ? null : jobs.get(id);
    }

    /** The records kept of a job's recent changes with an event id above {@code after}, oldest first. */
    public List<JobRecord> since(String id, long after) {
        Deque<JobRecord> h = history.get(id);
        if (h == null) {
            return List.of();
        }
        synchronized (h) {
            return h.stream().filter(r -> r.eventId() > after).toList();
        }
    }

    /** The job a session was handed off to, or null. */
    public JobRecord jobOfSession(String sessionId) {
        for (JobRecord r : jobs.values()) {
            if (sessionId.equals(r.sessionId())) {
                return r;
            }
        }
        return null;
    }

    public Transcript transcript(String id) throws IOException {
        return store.transcript(id);
    }

    /** An upload body charged to its client's budget ({@code earshot.limits.upload-bytes-per-minute}). */
    public InputStream metered(InputStream body, String client) {
        return new MeteredInputStream(body, uploadRate, client == null ? "" : client);
    }

    /** A 429 for a client that spent its upload budget. */
    static JobRefusal overBudget(MeteredInputStream.OverBudget e) {
        return new JobRefusal(429, "rate_limited", "This client has uploaded more than it may for now; the bytes "
                + "after the limit were not taken. Try again after Retry-After.", Math.max(1, (e.retryAfterMs + 999)
                / 1000));
    }

    public EarshotConfig config() {
        return config;
    }

    /** For {@code /v1/status}. */
    public synchronized Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ready", storeProblem == null);
        m.put("executor", workersName);
        m.put("concurrency", config.jobsConcurrency);
        m.put("running", running.size());
        m.put("queued", queue.size());
        m.put("max_queued", config.jobsMaxQueued);
        m.put("uploading", jobs.values().stream().filter(r -> r.stage() == Stage.UPLOADING).count());
        m.put("jobs", jobs.size());
        return m;
    }

    // ---- creating ----

    /**
     * A job from a whole file in one request. The body is stored, then its first seconds decoded: a file that is
     * not audio Earshot reads is refused here, not in the queue.
     */
    public JobRecord createFromUpload(InputStream body, String mediaType, String filename, boolean align,
            boolean diarize, String owner) throws JobRefusal, IOException {
        checkMediaType(mediaType);
        String id = admit();
        Path file = store.file(id, JobStore.UPLOAD);
        try {
            long bytes;
            try {
                bytes = copy(body, file, config.jobsMaxUploadBytes, false);
            } catch (MeteredInputStream.OverBudget e) {
                throw overBudget(e);
            }
            if (bytes < 0) {
                throw new JobRefusal(413, "upload_too_large", "The file is larger than this server takes ("
                        + config.jobsMaxUploadBytes + " bytes): use a resumable upload or split it.");
            }
            probe(file, mediaType);
            Instant now = Instant.now();
            JobRecord r = JobRecord.create(id, Stage.QUEUED, "waiting for a worker", now, "upload", null, 0,
                    mediaType, filename, align, diarize, bytes, owner);
            r = r.uploaded(bytes, 0, "waiting for a worker", now);
            publish(r);
            enqueue(id);
            return r;
        } catch (JobRefusal | IOException | RuntimeException e) {
            deleteQuietly(id);
            throw e;
        } finally {
            releaseAdmission(id);
        }
    }

    /** A resumable (tus) upload of {@code length} bytes: the job waits in Uploading until they are all in. */
    public JobRecord createUpload(long length, String mediaType, String filename, boolean align, boolean diarize,
            String owner) throws JobRefusal, IOException {
        if (length > config.jobsMaxUploadBytes) {
            throw new JobRefusal(413, "upload_too_large", "The file is larger than this server takes ("
                    + config.jobsMaxUploadBytes + " bytes).");
        }
        checkMediaType(mediaType);
        String id = admit();
        try {
            Files.createFile(store.file(id, JobStore.UPLOAD));
            JobRecord r = JobRecord.create(id, Stage.UPLOADING, uploadDetail(0, length), Instant.now(), "tus", null,
                    0, mediaType, filename, align, diarize, length, owner);
            publish(r);
            return r;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(id);
            throw e;
        } finally {
            releaseAdmission(id);
        }
    }

    /**
     * Appends the body of a tus {@code PATCH} at {@code offset}. Whatever arrives is kept, even when the request
     * breaks off; the offset then says where to go on. The last byte moves the job to Queued (or Failed, if the
     * file is not audio Earshot reads).
     */
    public JobRecord appendUpload(String id, long offset, InputStream body) throws JobRefusal, IOException {
        ReentrantLock lock = uploadLock(id, "tus");
        try {
            JobRecord r = get(id);
            if (r == null) {
                throw notFound();
            }
            if (r.stage() == Stage.CANCELLED || (r.stage() == Stage.FAILED && r.uploadOffset() < r.uploadLength())) {
                throw new JobRefusal(410, "upload_closed", "This upload was cancelled or has expired.");
            }
            if (offset != r.uploadOffset()) {
                throw new JobRefusal(409, "offset_mismatch", "The upload is at byte " + r.uploadOffset()
                        + ", not " + offset + ": send HEAD for the offset and go on from there.");
            }
            long room = r.uploadLength() - offset;
            Path file = store.file(id, JobStore.UPLOAD);
            // After a crash in the middle of a PATCH the file can hold bytes beyond the recorded offset: the
            // record is what was confirmed to the client, so the next bytes go there.
            try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
                if (ch.size() > offset) {
                    ch.truncate(offset);
                }
            }
            long written = 0;
            IOException broken = null;
            JobRefusal limited = null;
            try {
                written = copy(body, file, room, true);
            } catch (MeteredInputStream.OverBudget e) {
                limited = overBudget(e);
                written = Files.size(file) - offset;
            } catch (IOException e) {
                broken = e;
                written = Files.size(file) - offset;
            }
            boolean overflow = written < 0;
            long now = overflow ? Files.size(file) - offset : written;
            long newOffset = offset + now;
            JobRecord after = update(id, x -> x.stage() == Stage.UPLOADING ? x.uploaded(newOffset,
                    percent(newOffset, x.uploadLength()), uploadDetail(newOffset, x.uploadLength()), Instant.now())
                    : x);
            if (after != null && after.stage() == Stage.UPLOADING && newOffset == after.uploadLength()) {
                after = uploadComplete(after);
            }
            if (broken != null) {
                throw broken;
            }
            if (limited != null) {
                throw limited;
            }
            if (overflow) {
                throw new JobRefusal(413, "upload_too_large", "The request carries more bytes than the upload's "
                        + "Upload-Length; the bytes up to it were kept.");
            }
            return after;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The job's upload lock, taken: one request at a time adds bytes to a job. 404 for no job of this source,
     * 423 while another request holds it.
     */
    private ReentrantLock uploadLock(String id, String source) throws JobRefusal {
        JobRecord r = get(id);
        if (r == null || !source.equals(r.source())) {
            throw notFound();
        }
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        if (!lock.tryLock()) {
            throw new JobRefusal(423, "upload_locked", "Another request is uploading to this job right now.");
        }
        return lock;
    }

    private JobRecord uploadComplete(JobRecord r) throws IOException {
        try {
            probe(store.file(r.id(), JobStore.UPLOAD), r.mediaType());
        } catch (JobRefusal e) {
            return update(r.id(), x -> x.failed(new JobFailure(e.code(), "The uploaded file cannot be "
                    + "transcribed.", e.getMessage(), false), Instant.now()));
        }
        JobRecord q = update(r.id(), x -> x.moved(Stage.QUEUED, 0, "waiting for a worker", Instant.now()));
        enqueue(r.id());
        return q;
    }

    /**
     * The job of a session's stored audio: its first {@code chunks} chunks, then, with {@code awaitTail}, the
     * chunks the client uploads after them ({@link #appendTail}). A session has at most one job: handing it off
     * again returns the same job.
     */
    public JobRecord createFromSession(String sessionId, String codec, long chunks, boolean awaitTail, boolean align,
            boolean diarize, String owner) throws JobRefusal, IOException {
        synchronized (handoffs) {
            JobRecord existing = jobOfSession(sessionId);
            if (existing != null) {
                return existing;
            }
            String id = admit();
            try {
                JobRecord r = JobRecord.create(id, awaitTail ? Stage.UPLOADING : Stage.QUEUED, awaitTail
                        ? tailDetail(chunks, 0) : "waiting for a worker", Instant.now(), "session", sessionId, chunks,
                        codec, null, align, diarize, null, owner);
                publish(r);
                if (!awaitTail) {
                    enqueue(id);
                }
                return r;
            } catch (RuntimeException e) {
                deleteQuietly(id);
                throw e;
            } finally {
                releaseAdmission(id);
            }
        }
    }

    /**
     * Adds a handed-off session's tail: the stream's binary frames the client kept (never acknowledged), each
     * preceded by its length as a 4-byte big-endian number. Chunks the job holds already are skipped, the next
     * one must follow without a gap. With {@code done} the job is then queued.
     */
    public JobRecord appendTail(String id, InputStream body, boolean done, int maxFrameBytes)
            throws JobRefusal, IOException {
        ReentrantLock lock = uploadLock(id, "session");
        try {
            JobRecord r = get(id);
            if (r == null) {
                throw notFound();
            }
            if (r.stage() != Stage.UPLOADING) {
                throw new JobRefusal(409, "job_not_uploading", "The job is " + r.stage().wireName()
                        + ": it takes no more audio.");
            }
            long base = r.sessionChunks();
            long[] next = {base + r.uploadOffset() + 1};
            TailWriter tail = new TailWriter(store.dir(id), config.jobsMaxUploadBytes);
            JobRefusal stop = null;
            IOException broken = null;
            try (tail) {
                java.io.DataInputStream in = new java.io.DataInputStream(new BufferedInputStream(body, 65_536));
                while (stop == null) {
                    int first = in.read();
                    if (first < 0) {
                        break;
                    }
                    long length = ((long) first << 24) | ((long) in.readUnsignedByte() << 16)
                            | ((long) in.readUnsignedByte() << 8) | in.readUnsignedByte();
                    if (length > maxFrameBytes || length < io.earshot.protocol.AudioFrame.HEADER_BYTES) {
                        stop = new JobRefusal(400, "bad_frame", "A frame of " + length + " bytes: frames are "
                                + io.earshot.protocol.AudioFrame.HEADER_BYTES + " to " + maxFrameBytes + " bytes.");
                        break;
                    }
                    byte[] frame = new byte[(int) length];
                    in.readFully(frame);
                    io.earshot.protocol.AudioFrame f;
                    try {
                        f = io.earshot.protocol.AudioFrame.parse(java.nio.ByteBuffer.wrap(frame));
                    } catch (io.earshot.protocol.AudioFrame.FrameFormatException e) {
                        stop = new JobRefusal(400, "bad_frame", "A frame is not well-formed: " + e.getMessage());
                        break;
                    }
                    for (int i = 0; i < f.count(); i++) {
                        long seq = f.firstSeq() + i;
                        if (seq < next[0]) {
                            continue; // held already
                        }
                        if (seq > next[0]) {
                            stop = new JobRefusal(409, "sequence_gap", "Chunk " + seq + " came where chunk "
                                    + next[0] + " was expected; the chunks before it were kept.");
                            break;
                        }
                        if (!tail.append(f.payload(i))) {
                            stop = new JobRefusal(413, "upload_too_large", "The tail is larger than this server "
                                    + "takes (" + config.jobsMaxUploadBytes + " bytes).");
                            break;
                        }
                        next[0]++;
                    }
                }
            } catch (java.io.EOFException e) {
                stop = new JobRefusal(400, "bad_frame", "The body ends inside a frame; the frames before it were kept.");
            } catch (MeteredInputStream.OverBudget e) {
                stop = overBudget(e);
            } catch (IOException e) {
                broken = e;
            }
            long tailChunks = next[0] - 1 - base;
            JobRecord after = update(id, x -> x.uploaded(tailChunks, 0, tailDetail(base, tailChunks), Instant.now()));
            if (broken != null) {
                throw broken;
            }
            if (stop != null) {
                throw stop;
            }
            if (done) {
                after = update(id, x -> x.moved(Stage.QUEUED, 0, "waiting for a worker", Instant.now()));
                enqueue(id);
            }
            return after;
        } finally {
            lock.unlock();
        }
    }

    private static String tailDetail(long sessionChunks, long tailChunks) {
        return sessionChunks + " chunks from the session, " + tailChunks + " from the tail; next chunk "
                + (sessionChunks + tailChunks + 1);
    }

    /** Appends chunks in a session spool's layout (payloads, and their lengths in the index), then forces them. */
    private static final class TailWriter implements AutoCloseable {
        private final java.nio.channels.FileChannel audio;
        private final java.nio.channels.FileChannel index;
        private final long max;

        TailWriter(Path dir, long max) throws IOException {
            this.audio = java.nio.channels.FileChannel.open(dir.resolve(JobStore.TAIL_AUDIO), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            this.index = java.nio.channels.FileChannel.open(dir.resolve(JobStore.TAIL_INDEX), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            this.max = max;
        }

        boolean append(java.nio.ByteBuffer payload) throws IOException {
            if (audio.size() + payload.remaining() > max) {
                return false;
            }
            java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(4).putInt(payload.remaining()).flip();
            while (payload.hasRemaining()) {
                audio.write(payload);
            }
            while (len.hasRemaining()) {
                index.write(len);
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            try {
                audio.force(false);
                index.force(false);
            } finally {
                audio.close();
                index.close();
            }
        }
    }

    // ---- cancelling and deleting ----

    /**
     * Cancels a job that has not finished; returns its record (as it was, if it had finished), or null. An
     * upload's bytes are removed at once.
     */
    public JobRecord cancel(String id) {
        JobRecord before = get(id);
        JobRecord r = update(id, x -> x.stage().isFinal() ? x : x.moved(Stage.CANCELLED, x.percent(),
                "cancelled by the client", Instant.now()));
        if (r == null) {
            return null;
        }
        if (before != null && before.stage() == Stage.UPLOADING) {
            ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
            if (lock.tryLock()) {
                try {
                    store.deleteAudio(id);
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "Earshot cannot remove the upload of cancelled job " + id, e);
                } finally {
                    lock.unlock();
                }
            }
        }
        JobRunner runner;
        synchronized (this) {
            queue.remove(id);
            runner = running.get(id);
        }
        if (runner != null) {
            runner.cancel();
        }
        return r;
    }

    /** Removes a finished job and everything stored for it; false if there is no such job or it has not finished. */
    public boolean delete(String id) throws IOException {
        JobRecord r = get(id);
        if (r == null || !r.stage().isFinal()) {
            return false;
        }
        synchronized (this) {
            if (running.containsKey(id)) {
                return false;
            }
            store.delete(id); // first: a job whose files remain must stay listed, or it would come back at a restart
            jobs.remove(id);
        }
        history.remove(id);
        locks.remove(id);
        return true;
    }

    // ---- the queue and the workers ----

    private void enqueue(String id) {
        synchronized (this) {
            if (!queue.contains(id)) {
                queue.add(id);
            }
        }
        dispatch();
    }

    /** Starts queued jobs while workers are free and the engine can take them. */
    private void dispatch() {
        if (stopping) {
            return;
        }
        synchronized (this) {
            while (running.size() < config.jobsConcurrency && !queue.isEmpty()) {
                if (engine.hasFailed()) {
                    String id = queue.poll();
                    update(id, x -> x.failed(new JobFailure("engine_unavailable", "The speech engine is not "
                            + "available on this server.", engine.unavailableDetail(), true), Instant.now()));
                    continue;
                }
                if (!engine.isAvailable()) {
                    return; // loading, or its breaker is open: the next tick tries again
                }
                String id = queue.peek();
                JobRecord r = get(id);
                if (r == null || r.stage() != Stage.QUEUED) {
                    queue.poll();
                    continue;
                }
                JobRunner runner = new JobRunner(r, store, engine, spools, config.jobsMaxAudioMs, new Host());
                try {
                    workers.execute(runner);
                } catch (RejectedExecutionException e) {
                    LOG.warning("Earshot: the jobs' executor refused job " + id + "; it stays queued");
                    return;
                }
                queue.poll();
                running.put(id, runner);
            }
        }
    }

    /** What a runner reports to. */
    private final class Host implements JobRunner.Host {
        @Override
        public void progress(String id, Stage stage, int percent, String detail) {
            if (stopping) {
                throw new CancellationException();
            }
            JobRecord r = update(id, x -> x.stage().isFinal() || (x.stage() == stage && x.percent() == percent
                    && x.detail().equals(detail)) ? x : x.moved(stage, percent, detail, Instant.now()));
            if (r == null || r.stage().isFinal()) {
                throw new CancellationException();
            }
        }

        @Override
        public void started(String id) {
            if (stopping) {
                throw new CancellationException();
            }
            JobRecord r = update(id, x -> x.stage() != Stage.QUEUED ? x : x.withAttempt().moved(Stage.TRANSCRIBING,
                    0, "starting", Instant.now()));
            if (r == null || r.stage() != Stage.TRANSCRIBING) {
                throw new CancellationException();
            }
        }

        @Override
        public void audio(String id, JobRecord.Audio audio) {
            update(id, x -> x.withAudio(audio, Instant.now()));
        }

        @Override
        public void complete(String id, Transcript transcript) throws IOException {
            if (stopping) {
                throw new CancellationException();
            }
            store.saveTranscript(id, transcript);
            long words = transcript.segments().stream().mapToLong(g -> g.text().isBlank() ? 0
                    : g.text().trim().split("\\s+").length).sum();
            update(id, x -> x.stage().isFinal() ? x : x.moved(Stage.COMPLETE, 100, transcript.segments().size()
                    + (transcript.segments().size() == 1 ? " segment, " : " segments, ") + words
                    + (words == 1 ? " word" : " words"), Instant.now()));
        }

        @Override
        public void failed(String id, JobFailure failure) {
            if (!stopping) {
                update(id, x -> x.stage().isFinal() ? x : x.failed(failure, Instant.now()));
            }
        }

        @Override
        public void engineLost(String id, String detail) {
            if (stopping) {
                return;
            }
            JobRecord r = update(id, x -> {
                if (x.stage().isFinal()) {
                    return x;
                }
                if (x.attempts() >= config.jobsMaxAttempts) {
                    return x.failed(new JobFailure("engine_unavailable", "The speech engine stopped working "
                            + "while transcribing this job.", detail + "; " + x.attempts() + " attempts", true),
                            Instant.now());
                }
                return x.moved(Stage.QUEUED, 0, "waiting for the speech engine (" + detail + ")", Instant.now());
            });
            if (r != null && r.stage() == Stage.QUEUED) {
                synchronized (JobService.this) {
                    queue.addFirst(id);
                }
            }
        }

        @Override
        public void finished(String id) {
            synchronized (JobService.this) {
                running.remove(id);
            }
            dispatch();
        }
    }

    private void tick() {
        try {
            dispatch();
            if (++ticks % 60 == 0) {
                sweep(Instant.now());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Earshot jobs timer", e);
        }
    }

    /** Expires stalled uploads, removes finished jobs' audio and, later, the jobs themselves. */
    void sweep(Instant now) {
        for (JobRecord r : List.copyOf(jobs.values())) {
            try {
                if (r.stage() == Stage.UPLOADING
                        && r.updatedAt().plusMillis(config.jobsUploadExpiryMs).isBefore(now)) {
                    update(r.id(), x -> x.stage() != Stage.UPLOADING ? x : x.failed(new JobFailure(
                            "upload_expired", "The upload was not completed in time.", "no bytes for "
                            + Duration.ofMillis(config.jobsUploadExpiryMs), false), now));
                    store.deleteAudio(r.id());
                } else if (r.stage().isFinal() && r.finishedAt() != null) {
                    if (r.finishedAt().plusMillis(config.jobsRetentionMs).isBefore(now)) {
                        delete(r.id());
                    } else if (r.finishedAt().plusMillis(config.jobsAudioRetentionMs).isBefore(now)) {
                        store.deleteAudio(r.id());
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "Earshot: cannot clean up job " + r.id(), e);
            }
        }
    }

    // ---- records ----

    /**
     * Applies a change to a job's record, persists it, keeps it for re-subscribers and fires it. Returns the
     * record after the change (the same one if {@code change} returned it unchanged), or null for no such job.
     */
    JobRecord update(String id, UnaryOperator<JobRecord> change) {
        JobRecord next;
        synchronized (locks.computeIfAbsent(id, k -> new ReentrantLock())) {
            JobRecord current = jobs.get(id);
            if (current == null) {
                return null;
            }
            next = change.apply(current);
            if (next == current) {
                return current;
            }
            save(next);
            jobs.put(id, next);
            remember(next);
        }
        events.fireAsync(new JobChanged(next));
        return next;
    }

    private void publish(JobRecord r) {
        synchronized (locks.computeIfAbsent(r.id(), k -> new ReentrantLock())) {
            save(r);
            jobs.put(r.id(), r);
            remember(r);
        }
        events.fireAsync(new JobChanged(r));
    }

    private void save(JobRecord r) {
        try {
            store.save(r);
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "Earshot cannot persist job " + r.id() + " (event " + r.eventId() + ")", e);
        }
    }

    private void remember(JobRecord r) {
        Deque<JobRecord> h = history.computeIfAbsent(r.id(), k -> new ArrayDeque<>());
        synchronized (h) {
            h.add(r);
            while (h.size() > config.jobsEventHistory) {
                h.poll();
            }
        }
    }

    // ---- admission ----

    /** Job ids being created: they count against the queue's bound until their record exists. */
    private final Map<String, Boolean> admitting = new ConcurrentHashMap<>();

    /** Reserves a place for a new job (and its directory), or refuses with 503. */
    private String admit() throws JobRefusal, IOException {
        if (storeProblem != null) {
            throw new JobRefusal(503, "storage_failed", "This server cannot store jobs: its jobs directory is not "
                    + "usable.");
        }
        String id;
        synchronized (this) {
            long waiting = admitting.size() + jobs.values().stream()
                    .filter(r -> r.stage() == Stage.UPLOADING || r.stage() == Stage.QUEUED).count();
            if (waiting >= config.jobsMaxQueued) {
                throw new JobRefusal(503, "queue_full", "Too many jobs are waiting (" + waiting + "); try again "
                        + "later.", retryAfterSeconds());
            }
            if (jobs.size() + admitting.size() >= config.jobsMaxJobs) {
                throw new JobRefusal(503, "too_many_jobs", "This server holds as many jobs as it keeps ("
                        + config.jobsMaxJobs + "); delete finished ones or try again later.", retryAfterSeconds());
            }
            id = newId();
            admitting.put(id, Boolean.TRUE);
        }
        try {
            store.create(id);
        } catch (IOException e) {
            admitting.remove(id);
            throw e;
        }
        return id;
    }

    private void releaseAdmission(String id) {
        admitting.remove(id);
    }

    private long retryAfterSeconds() {
        return Math.max(1, (config.retryAfterMs + 999) / 1000);
    }

    private static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return "j_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Whether {@code id} could name a job: the path segment is checked before it touches the disk. */
    public static boolean isWellFormed(String id) {
        return id != null && id.matches("j_[A-Za-z0-9_-]{22}");
    }

    private static JobRefusal notFound() {
        return new JobRefusal(404, "job_not_found", "No job with this id is stored on this server.");
    }

    // ---- helpers ----

    private static void checkMediaType(String mediaType) throws JobRefusal {
        try {
            AudioFiles.forMediaType(mediaType);
        } catch (AudioFileException e) {
            throw new JobRefusal(415, e.problem().wireName(), e.getMessage() + " Accepted types: "
                    + String.join(", ", AudioFiles.ACCEPTED_TYPES) + ".");
        }
    }

    /** Decodes the file's first seconds; refuses a file that is not audio Earshot reads. */
    static void probe(Path file, String mediaType) throws JobRefusal, IOException {
        final class Enough extends RuntimeException {
            private static final long serialVersionUID = 1L;

            Enough() {
                super(null, null, false, false);
            }
        }
        PcmSink sink = new PcmSink() {
            long samples;

            @Override
            public void accept(short[] data, int offset, int length) {
                samples += length;
                if (samples >= PROBE_SAMPLES) {
                    throw new Enough();
                }
            }
        };
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 65_536)) {
            AudioFiles.forMediaType(mediaType).read(in, sink);
        } catch (Enough e) {
            // the start of the file decodes: accepted
        } catch (AudioFileException e) {
            throw new JobRefusal(e.problem() == AudioFileException.Problem.UNSUPPORTED ? 415 : 422,
                    e.problem().wireName(), e.getMessage() + e.offset().stream()
                    .mapToObj(o -> " (at byte " + o + ")").findFirst().orElse(""));
        }
    }

    /**
     * Copies at most {@code max} bytes of {@code in} to {@code file} (appending, or replacing it) and forces them
     * to the device; returns the bytes copied, or -1 if {@code in} had more.
     */
    private static long copy(InputStream in, Path file, long max, boolean append) throws IOException {
        long total = 0;
        byte[] buf = new byte[65_536];
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new StorageException(e);
        }
        try (ch; OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
            try {
                int n;
                while ((n = in.read(buf, 0, (int) Math.min(buf.length, max - total + 1))) > 0) {
                    int keep = (int) Math.min(n, max - total);
                    try {
                        out.write(buf, 0, keep);
                    } catch (IOException e) {
                        throw new StorageException(e);
                    }
                    if (keep < n) {
                        total = -1;
                        break;
                    }
                    total += n;
                }
            } finally {
                try {
                    ch.force(false);
                } catch (IOException e) {
                    throw new StorageException(e);
                }
            }
        }
        return total;
    }

    /** Writing to the server's own storage failed (not reading the client's request). */
    public static final class StorageException extends IOException {
        private static final long serialVersionUID = 1L;

        StorageException(IOException cause) {
            super("storage: " + cause.getMessage(), cause);
        }
    }

    private void deleteQuietly(String id) {
        try {
            store.delete(id);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Earshot cannot remove job " + id, e);
        }
    }

    private static String uploadDetail(long offset, long length) {
        return offset + " of " + length + " bytes";
    }

    private static int percent(long done, long total) {
        return total <= 0 ? 100 : (int) (done * 100 / total);
    }
}
