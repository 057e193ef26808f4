package io.earshot.stream;

import io.earshot.config.EarshotConfig;
import io.earshot.jobs.JobRecord;
import io.earshot.jobs.JobRefusal;
import io.earshot.jobs.JobService;
import io.earshot.protocol.AfterOpen;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.CloseCodes;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage;
import io.earshot.spool.SessionStorage;
import io.earshot.spool.SessionStore;
import io.earshot.transcription.EngineService;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every open connection and every session that is live or waiting for a resume: admission against the
 * server-wide and per-client limits, resume by token, and the one timer that drives heartbeats,
 * timeouts, forced flushes and the end of grace periods.
 */
@ApplicationScoped
public class SessionRegistry {

    private static final Logger LOG = Logger.getLogger(SessionRegistry.class.getName());

    @Resource
    private ManagedScheduledExecutorService scheduler;

    /** Makes the connections' writer threads: container threads, made once, so no task pays a context capture. */
    @Resource
    private jakarta.enterprise.concurrent.ManagedThreadFactory threadFactory;

    @Inject
    EngineService engine;

    @Inject
    JobService jobs;

    // Set once in init, read by every thread after.
    private EarshotConfig config;
    private SessionStore store;
    private SessionServices services;
    private SessionRestore restorer;
    private Admission admissionRules;
    /** Runs each connection's writer task (its sends), off every session lock. */
    private java.util.concurrent.ExecutorService writers;
    /**
     * Runs the transport closes of stream connections: apart from the writers, since a close runs the
     * container's {@code @OnClose} on its thread, which detaches the session under its lock and writes its manifest.
     */
    private java.util.concurrent.ExecutorService closers;
    /** Null when the store is usable; otherwise why not. */
    private volatile String spoolProblem;
    /** Open connections; concurrent, added under {@link #admission} so the limit holds. */
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Sessions held in memory; concurrent, added under {@link #admission}, removed by the timer thread. */
    private final Map<String, StreamSession> sessions = new ConcurrentHashMap<>();
    /** Serializes admission so the session limits hold under concurrent starts. */
    private final Object admission = new Object();
    /** The one timer; set in init, cancelled at shutdown (container threads, one at a time). */
    private ScheduledFuture<?> timer;
    /** Decoded-audio downloads running now, at most {@code earshot.limits.max-audio-downloads}; set in init. */
    private Semaphore audioDownloads;

    /** Starts the registry (and validates the settings) when the application starts, not on first use. */
    void onStartup(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(ApplicationScoped.class)
            Object event) {
        status();
        io.earshot.security.Access.current(); // says at startup how authentication stands
    }

    @PostConstruct
    void init() {
        config = EarshotConfig.current();
        store = SessionStore.configured(config);
        audioDownloads = new Semaphore(config.maxAudioDownloads);
        connectionRate = new io.earshot.security.RateLimiter(config.connectionsPerMinute, config.rateLimitClients,
                System::nanoTime);
        audioRate = new io.earshot.security.RateLimiter(config.audioSecondsPerMinute, config.rateLimitClients,
                System::nanoTime);
        services = new SessionServices(config, SessionClock.SYSTEM,
                l -> Transcription.of(engine.open(Transcription.engineListener(l))), new JobHandoff() {
                    @Override
                    public JobRecord createFromSession(String sessionId, String codec, long chunks, boolean awaitTail,
                            boolean align, boolean diarize, String owner) throws JobRefusal, IOException {
                        return jobs.createFromSession(sessionId, codec, chunks, awaitTail, align, diarize, owner);
                    }

                    @Override
                    public JobRecord jobOfSession(String sessionId) {
                        return jobs.jobOfSession(sessionId);
                    }
                }, audioRate);
        restorer = new SessionRestore(store, services);
        admissionRules = new Admission(config);
        java.util.concurrent.ThreadFactory threads = threadFactory != null ? threadFactory
                : java.util.concurrent.Executors.defaultThreadFactory();
        writers = java.util.concurrent.Executors.newFixedThreadPool(Math.max(2,
                Runtime.getRuntime().availableProcessors()), threads);
        closers = java.util.concurrent.Executors.newFixedThreadPool(2, threads);
        try {
            store.checkWritable();
            LOG.info(() -> "Earshot spool directory: " + store.location() + ", durability "
                    + config.durability.wireName());
        } catch (IOException | RuntimeException e) {
            spoolProblem = "spool directory " + store.location() + " is not writable: " + e.getMessage();
            LOG.severe("Earshot cannot store audio, every session will be refused: " + spoolProblem);
        }
        timer = scheduler.scheduleAtFixedRate(this::tick, config.tickMs, config.tickMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Server shutdown or undeploy: no new sessions; every attached session is flushed and acked, told
     * {@code going_away} and closed with 1001; other connections are closed with 1001; then, once the
     * connections have closed (at most {@link #DRAIN_MS}), every session's spool is closed with its state on disk.
     */
    @PreDestroy
    void shutdown() {
        stopping = true;
        if (timer != null) {
            timer.cancel(false);
        }
        String handoff = io.earshot.jobs.JobRecord.link("sessions/%s/job");
        for (StreamSession s : sessions.values()) {
            s.goingAway(config.retryAfterMs, handoff.replace("%s", s.id()));
        }
        for (Connection c : connections) {
            c.requestClose(CloseCodes.GOING_AWAY, "going_away");
        }
        // Wait for the going_away messages and the closes to go out. During a shutdown the container may no longer
        // run send-completion callbacks, which would hold a close behind its message: after a second, close the
        // stragglers directly (their going_away has been written by then, or their peer is not reading).
        long start = System.nanoTime();
        boolean forced = false;
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(DRAIN_MS)) {
            if (connections.stream().allMatch(c -> c.outbound().isDone())) {
                break;
            }
            if (!forced && System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(DRAIN_MS / 3)) {
                forced = true;
                connections.forEach(c -> c.outbound().abort(CloseCodes.GOING_AWAY, "going_away"));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.isEmpty()) {
            try {
                Thread.sleep(200); // the close frames written, let them leave before the listener stops
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (StreamSession s : sessions.values()) {
            s.shutdown();
        }
        if (writers != null) {
            writers.shutdown();
        }
        if (closers != null) {
            closers.shutdown();
        }
    }

    /** How long a shutdown waits for the going-away messages and closes to reach the clients. */
    static final long DRAIN_MS = 3_000;

    /** Written by the timer thread, read by the liveness check. */
    private volatile long lastTickNanos = System.nanoTime();
    /** Connection attempts and audio seconds per client and minute; set in init, thread-safe. */
    private io.earshot.security.RateLimiter connectionRate;
    private io.earshot.security.RateLimiter audioRate;

    /** Set at shutdown: new connections and sessions are refused. */
    private volatile boolean stopping;

    private ServerMessage.Error shuttingDown() {
        return admissionRules.shuttingDown();
    }

    public EarshotConfig config() {
        return config;
    }

    /** Where sessions are stored: the audio and job-hand-off resources read it. */
    SessionStore store() {
        return store;
    }

    /** Takes one of the decoded-audio download slots, or returns false if all are taken. */
    boolean tryStartDownload() {
        return audioDownloads.tryAcquire();
    }

    /** Gives back a slot that {@link #tryStartDownload()} took. */
    void downloadDone() {
        audioDownloads.release();
    }

    /**
     * Registers a new connection, or fails it (sends the error and closes): when the server is stopping, the
     * client has made too many connection attempts, its credentials were refused ({@code denied}), or the server
     * has too many connections. A refused credential still counts as an attempt of its network address.
     *
     * @param identity what the client's limits are counted under (see {@link io.earshot.security.Access#limitKey})
     * @param owner    who authenticated, or null when {@code denied}
     */
    Connection open(String identity, String owner, io.earshot.security.Access.Denied denied,
            Outbound.Transport transport) {
        Connection c = new Connection(this, identity, owner, transport, config.heartbeatIntervalMs,
                config.outboundQueue, writers, closers, SessionClock.SYSTEM);
        if (stopping) {
            failAtOpen(c, shuttingDown());
            return c;
        }
        long wait = connectionRate.tryTake(identity, 1);
        if (wait > 0) {
            failAtOpen(c, ServerMessage.Error.of(ErrorCode.RATE_LIMITED, "Too many connection attempts from this client; "
                    + "try again after retry_after_ms.", "earshot.limits.connections-per-minute="
                    + config.connectionsPerMinute + " per client").withRetryAfterMs(wait));
            return c;
        }
        if (denied != null || owner == null) {
            failAtOpen(c, ServerMessage.Error.of(denied != null && !denied.unauthorized() ? ErrorCode.FORBIDDEN
                    : ErrorCode.UNAUTHORIZED, denied != null ? denied.message() : "Authentication is required.",
                    "see docs/api/streaming.md, \"Authentication\""));
            return c;
        }
        synchronized (admission) {
            ServerMessage.Error refused = admissionRules.refuseConnection(connections.size());
            if (refused != null) {
                failAtOpen(c, refused);
                return c;
            }
            connections.add(c);
        }
        SessionLog.fine("connection.opened", c, null);
        return c;
    }

    /**
     * Refuses a connection that has just opened: from now on nothing it sends is acted on, and the error and the
     * close follow {@link AfterOpen#DELAY_MS} later, not from inside the endpoint's {@code @OnOpen}.
     */
    void failAtOpen(Connection c, ServerMessage.Error error) {
        c.refusing();
        try {
            scheduler.schedule(() -> c.fail(error), AfterOpen.DELAY_MS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            c.fail(error); // the scheduler is gone: the server is stopping
        }
    }

    void closed(Connection c, String why) {
        c.closed(why);
        connections.remove(c);
        SessionLog.fine("connection.closed", c, c.session(), "reason", why);
    }

    /** Handles {@code start}: a new session, or a resume. */
    void start(Connection c, ClientMessage.Start start) {
        if (stopping) {
            c.fail(shuttingDown());
            return;
        }
        if (start.resume() != null) {
            resume(c, start.resume());
            return;
        }
        SessionSettings.Outcome outcome = SessionSettings.negotiate(start, config);
        if (outcome instanceof SessionSettings.Refused refused) {
            c.reject(refused.error());
            return;
        }
        SessionSettings settings = ((SessionSettings.Agreed) outcome).settings();
        if (spoolProblem != null) {
            c.fail(storageUnavailable("spool unavailable"));
            return;
        }
        if (settings.transcribe() && !engine.isAvailable()) {
            c.fail(ServerMessage.Error.of(ErrorCode.ENGINE_UNAVAILABLE,
                    "The transcription engine is not available right now; try again shortly.",
                    engine.unavailableDetail()).withRetryAfterMs(engine.retryAfterMs()));
            return;
        }
        synchronized (admission) {
            ServerMessage.Error refused = admissionRules.refuseSession(sessions.values(), c.identity());
            if (refused != null) {
                c.fail(refused);
                return;
            }
            String id = Ids.sessionId();
            String token = Ids.resumeToken();
            SessionStorage storage;
            try {
                storage = store.create(id);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot create spool for " + id, e);
                c.fail(storageUnavailable("spool create failed: " + e.getClass().getSimpleName()));
                return;
            }
            StreamSession s = new StreamSession(id, token, c.identity(), c.owner(), settings, storage, services, null);
            sessions.put(id, s);
            c.attach(s);
            try {
                s.attachFirst(c);
            } catch (IOException e) {
                sessions.remove(id);
                s.discard(); // its transcriber too, opened with it
                c.attach(null);
                c.fail(storageUnavailable("metadata write failed: " + e.getClass().getSimpleName()));
            }
        }
    }

    private ServerMessage.Error storageUnavailable(String detail) {
        return admissionRules.storageUnavailable(detail);
    }

    private void resume(Connection c, ClientMessage.ResumeRequest resume) {
        if (resume.sessionId() == null || resume.resumeToken() == null) {
            c.reject(ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                    "resume needs \"session_id\" and \"resume_token\".", "missing field in start.resume"));
            return;
        }
        StreamSession s = sessions.get(resume.sessionId());
        if (s == null) {
            s = restore(c, resume.sessionId(), resume.resumeToken());
        }
        // One answer for unknown, expired, wrong-token and someone else's sessions: nothing to learn by probing.
        if (s == null || !s.admits(resume.resumeToken(), c.owner())) {
            SessionLog.info("session.resume_rejected", c, null, "requested_session_id",
                    resume.sessionId().length() <= 64 ? resume.sessionId() : "(too long)");
            c.reject(ServerMessage.Error.of(ErrorCode.RESUME_REJECTED,
                    "The session cannot be resumed: it is unknown, its grace period is over, or the token is wrong.",
                    "start a new session; audio of the old one is kept on the server"));
            return;
        }
        c.attach(s);
        s.resume(c, resume.lastEventSeq() == null ? 0 : resume.lastEventSeq());
        io.earshot.telemetry.Telemetry.sink().resumed();
    }

    /** One restore per session at a time: later resumers wait for it and find the session in memory. */
    private final Map<String, Object> restoreLocks = new ConcurrentHashMap<>();

    /** A session this server does not hold in memory but whose storage is here, brought back ({@link SessionRestore}). */
    private StreamSession restore(Connection c, String id, String token) {
        if (!store.exists(id) || token == null || stopping) {
            return null;
        }
        Object lock = restoreLocks.computeIfAbsent(id, k -> new Object());
        try {
            synchronized (lock) {
                StreamSession held = sessions.get(id);
                if (held != null) {
                    return held;
                }
                StreamSession s = restorer.restore(c, id, token);
                if (s == null) {
                    return null;
                }
                synchronized (admission) {
                    if (stopping) {
                        s.discard();
                        return null;
                    }
                    sessions.put(id, s);
                }
                return s;
            }
        } finally {
            restoreLocks.remove(id, lock);
        }
    }

    /** The session with this id held in memory (live, waiting for a resume, or ended recently), or null. */
    StreamSession held(String id) {
        return id == null ? null : sessions.get(id);
    }

    /** The largest transcription lag of the sessions held, in milliseconds. */
    public long maxEngineLagMs() {
        long max = 0;
        for (StreamSession s : sessions.values()) {
            max = Math.max(max, s.engineLagMs());
        }
        return max;
    }

    /** Whether the spool directory was usable at startup. */
    public boolean spoolOk() {
        return spoolProblem == null;
    }

    /** When the session timer last ran (System.nanoTime), for the liveness check. */
    public long lastTickNanos() {
        return lastTickNanos;
    }

    public JobService jobs() {
        return jobs;
    }

    /** Counts for the status resource. */
    public Map<String, Object> status() {
        int attached = 0;
        int detached = 0;
        int ended = 0;
        for (StreamSession s : sessions.values()) {
            if (s.isEnded()) {
                ended++;
            } else if (s.isAttached()) {
                attached++;
            } else {
                detached++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connections", connections.size());
        m.put("sessions_attached", attached);
        m.put("sessions_detached", detached);
        m.put("sessions_ended_replayable", ended);
        m.put("spool_ok", spoolProblem == null);
        m.put("engine", engine.status());
        return m;
    }

    private void tick() {
        long now = System.nanoTime();
        lastTickNanos = now;
        // The timer must survive anything one connection or session does.
        for (Connection c : connections) {
            try {
                if (c.tick(now, config.startTimeoutMs)) {
                    closed(c, "close never confirmed");
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "connection timer work failed for " + c.id(), e);
            }
        }
        sessions.values().removeIf(s -> {
            try {
                return s.tick(now);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "session timer work failed for " + s.id(), e);
                return false;
            }
        });
    }
}
