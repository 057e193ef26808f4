package io.earshot.jobs;

import io.earshot.config.EarshotConfig;
import io.earshot.security.RateLimiter;
import io.earshot.spool.SessionStore;
import io.earshot.transcription.EngineService;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * The jobs of this server, for the resources and the streams that hand off to them: wires the
 * {@link JobLedger} (the one place a record changes) to {@link JobAdmission}, {@link Uploads},
 * {@link SessionHandOffs}, the {@link JobQueue} on the jobs' {@code ManagedExecutorService}
 * ({@code earshot.jobs.executor}), {@link RestartRecovery} and {@link JobRetention}, and runs their timer.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class.getName());

    @Inject
    EngineService engine;

    @Inject
    Event<JobChanged> events;

    @Resource
    private ManagedScheduledExecutorService scheduler;

    // Written once while the bean is created (by init or the test constructor), read-only afterwards.
    private EarshotConfig config;
    private Clock clock;
    private JobStore store;
    private JobLedger ledger;
    private JobAdmission admission;
    private UploadClaims claims;
    private JobQueue queue;
    private Uploads uploads;
    private SessionHandOffs handOffs;
    private JobRetention retention;
    private RateLimiter uploadRate;
    private String workersName;
    private ScheduledFuture<?> timer;
    /** Ticks of the timer so far; only the timer's thread touches it. */
    private long ticks;

    public JobService() {
    }

    /** The service without a container: for tests, with the executor, engine, events and clock they choose. */
    JobService(EarshotConfig config, JobStore store, EngineService engine, Executor workers,
            Consumer<JobChanged> publish, Clock clock, SessionStore sessions) {
        this.engine = engine;
        wire(config, store, workers, publish, clock, sessions);
    }

    /** Starts the service (recovering jobs) when the application starts, not on first use. */
    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object event) {
        if (event instanceof jakarta.servlet.ServletContext web) {
            JobRecord.contextPath(web.getContextPath());
        }
        status();
    }

    @PostConstruct
    void init() {
        EarshotConfig current = EarshotConfig.current();
        wire(current, new FileJobStore(current.jobsDir), lookupWorkers(current), events::fireAsync,
                Clock.systemUTC(), SessionStore.configured(current));
        timer = scheduler.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private void wire(EarshotConfig config, JobStore store, Executor workers, Consumer<JobChanged> publish,
            Clock clock, SessionStore sessions) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        uploadRate = new RateLimiter(config.uploadBytesPerMinute, config.rateLimitClients, System::nanoTime);
        ledger = new JobLedger(store, publish, config.jobsEventHistory);
        admission = new JobAdmission(ledger, store, config.jobsMaxQueued, config.jobsMaxJobs, config.retryAfterMs);
        claims = new UploadClaims();
        // the queue makes runners that report to progress, and progress queues again: one is made after the other
        JobProgress[] progress = new JobProgress[1];
        queue = new JobQueue(ledger, engine, workers,
                r -> new JobRunner(r, store, engine, sessions, config.jobsMaxAudioMs, progress[0]),
                config.jobsConcurrency, clock);
        progress[0] = new JobProgress(ledger, queue, store, config.jobsMaxAttempts, clock);
        uploads = new Uploads(admission, ledger, store, queue, claims, config.jobsMaxUploadBytes, clock);
        handOffs = new SessionHandOffs(admission, ledger, store, queue, claims, config.jobsMaxUploadBytes, clock);
        retention = new JobRetention(ledger, store, this::delete, claims, config.jobsUploadExpiryMs,
                config.jobsAudioRetentionMs, config.jobsRetentionMs);
        try {
            store.init();
            new RestartRecovery(ledger, queue, config.jobsMaxAttempts, clock).recover(store.loadAll());
        } catch (IOException | RuntimeException e) {
            admission.storeUnusable("jobs directory " + config.jobsDir + " is not usable: " + e.getMessage());
            LOG.log(Level.SEVERE, "Earshot cannot keep jobs; every job request will be refused", e);
        }
    }

    @PreDestroy
    void shutdown() {
        if (timer != null) {
            timer.cancel(false);
        }
        queue.stop();
    }

    private ExecutorService lookupWorkers(EarshotConfig config) {
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

    // ---- reading ----

    public JobRecord get(String id) {
        return ledger.get(id);
    }

    /** The records kept of a job's recent changes with an event id above {@code after}, oldest first. */
    public List<JobRecord> since(String id, long after) {
        return ledger.since(id, after);
    }

    /** The job a session was handed off to, or null. */
    public JobRecord jobOfSession(String sessionId) {
        return handOffs.jobOfSession(sessionId);
    }

    public Transcript transcript(String id) throws StorageFailure {
        try {
            return store.transcript(id);
        } catch (IOException e) {
            throw new StorageFailure("The job's transcript cannot be read.", e);
        }
    }

    /** An upload body charged to its client's budget ({@code earshot.limits.upload-bytes-per-minute}). */
    public InputStream metered(InputStream body, String client) {
        return new MeteredInputStream(body, uploadRate, client == null ? "" : client);
    }

    public EarshotConfig config() {
        return config;
    }

    /** For {@code /v1/status}. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ready", admission.ready());
        m.put("executor", workersName);
        m.put("concurrency", config.jobsConcurrency);
        m.put("running", queue.running());
        m.put("queued", queue.queued());
        m.put("max_queued", config.jobsMaxQueued);
        m.put("uploading", ledger.all().stream().filter(r -> r.stage() == Stage.UPLOADING).count());
        m.put("jobs", ledger.all().size());
        return m;
    }

    // ---- creating ----

    /** A job from a whole file in one request; a file that is not audio Earshot reads is refused here. */
    public JobRecord createFromUpload(InputStream body, String mediaType, String filename, boolean align,
            boolean diarize, String owner) throws JobRefusal, UploadIncomplete, StorageFailure {
        return uploads.createFromUpload(body, mediaType, filename, align, diarize, owner);
    }

    /** A resumable (tus) upload of {@code length} bytes. */
    public JobRecord createUpload(long length, String mediaType, String filename, boolean align, boolean diarize,
            String owner) throws JobRefusal, StorageFailure {
        return uploads.createUpload(length, mediaType, filename, align, diarize, owner);
    }

    /** Appends the body of a tus {@code PATCH} at {@code offset}. */
    public JobRecord appendUpload(String id, long offset, InputStream body)
            throws JobRefusal, UploadIncomplete, StorageFailure {
        return uploads.append(id, offset, body);
    }

    /** The job of a session's stored audio; a session has at most one. */
    public JobRecord createFromSession(String sessionId, String codec, long chunks, boolean awaitTail, boolean align,
            boolean diarize, String owner) throws JobRefusal, StorageFailure {
        return handOffs.create(sessionId, codec, chunks, awaitTail, align, diarize, owner);
    }

    /** Adds a handed-off session's tail (the frames the client kept). */
    public JobRecord appendTail(String id, InputStream body, boolean done, int maxFrameBytes)
            throws JobRefusal, UploadIncomplete {
        return handOffs.appendTail(id, body, done, maxFrameBytes);
    }

    // ---- cancelling and deleting ----

    /**
     * Cancels a job that has not finished; returns its record (as it was, if it had finished), or null. An
     * upload's bytes are removed at once, unless a request is adding to them right now.
     */
    public JobRecord cancel(String id) {
        JobRecord before = ledger.get(id);
        JobRecord r = ledger.update(id, x -> x.stage().isFinal() ? x : x.moved(Stage.CANCELLED, x.percent(),
                "cancelled by the client", clock.instant()));
        if (r == null) {
            return null;
        }
        if (before != null && before.stage() == Stage.UPLOADING && claims.tryClaim(id)) {
            try {
                store.deleteAudio(id);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "Earshot cannot remove the upload of cancelled job " + id, e);
            } finally {
                claims.release(id);
            }
        }
        queue.remove(id);
        return r;
    }

    /** Removes a finished job and everything stored for it; false if there is no such job or it has not finished. */
    public boolean delete(String id) throws StorageFailure {
        JobRecord r = ledger.get(id);
        if (r == null || !r.stage().isFinal()) {
            return false;
        }
        try {
            // the files first: a job whose files remain must stay listed, or it would come back at a restart
            // decided under the queue's lock, the files removed after it: a finished job never starts again
            if (!queue.unlessRunning(id, () -> { })) {
                return false;
            }
            store.delete(id);
            ledger.forget(id);
            return true;
        } catch (IOException e) {
            throw new StorageFailure("The job's files could not all be removed.", e);
        }
    }

    // ---- the timer ----

    private void tick() {
        try {
            queue.dispatch();
            if (++ticks % 60 == 0) {
                retention.sweep(clock.instant());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Earshot jobs timer", e);
        }
    }

    /** The queue, for the rules' tests. */
    JobQueue queue() {
        return queue;
    }

    /** Starts what can start now: what the timer does every second. */
    void dispatch() {
        queue.dispatch();
    }

    /** Applies the retention rules as of {@code now}: what the timer does every minute. */
    void sweep(java.time.Instant now) {
        retention.sweep(now);
    }

    // ---- shared by the pieces ----

    /** Whether {@code id} could name a job: the path segment is checked before it touches the store. */
    public static boolean isWellFormed(String id) {
        return id != null && id.matches("j_[A-Za-z0-9_-]{22}");
    }

    static JobRefusal notFound() {
        return new JobRefusal(404, "job_not_found", "No job with this id is stored on this server.");
    }

    /** A 429 for a client that spent its upload budget. */
    static JobRefusal overBudget(MeteredInputStream.OverBudget e) {
        return new JobRefusal(429, "rate_limited", "This client has uploaded more than it may for now; the bytes "
                + "after the limit were not taken. Try again after Retry-After.", Math.max(1, (e.retryAfterMs + 999)
                / 1000));
    }

    static void deleteQuietly(JobStore store, String id) {
        try {
            store.delete(id);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Earshot cannot remove job " + id, e);
        }
    }
}
