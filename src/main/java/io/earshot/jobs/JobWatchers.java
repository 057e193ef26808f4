package io.earshot.jobs;

import io.earshot.protocol.Json;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Everyone following a job: WebSocket subscribers of {@code /v1/jobs/{id}/events} and clients long-polling
 * {@code GET /v1/jobs/{id}?wait=N}. Both are fed from the {@link JobChanged} CDI event, so both see the very
 * record that was persisted. A subscriber gets records in increasing {@code event_id} order; one that reads
 * too slowly loses the oldest queued records (each is the whole state), never the latest.
 */
@ApplicationScoped
public class JobWatchers {

    private static final Logger LOG = Logger.getLogger(JobWatchers.class.getName());
    static final int CLOSE_NOT_FOUND = 4404;
    static final int CLOSE_BAD_REQUEST = 4400;

    @Inject
    JobService jobs;

    @Resource
    private ManagedScheduledExecutorService scheduler;

    /** Subscribers by job id; concurrent sets, changed by the WebSocket callbacks' threads. */
    private final Map<String, Set<JobSubscriber>> subscribers = new ConcurrentHashMap<>();
    /** Waiting long polls by job id, each answered once; concurrent sets, changed by request and event threads. */
    private final Map<String, Set<Consumer<JobRecord>>> waiters = new ConcurrentHashMap<>();
    /** Atomic: counted against earshot.jobs.max-subscribers without a lock. */
    private final AtomicInteger subscriberCount = new AtomicInteger();
    /** Atomic: counted against earshot.jobs.max-long-polls without a lock. */
    private final AtomicInteger waiterCount = new AtomicInteger();
    /** Written once at startup. */
    private ScheduledFuture<?> heartbeats;

    @PostConstruct
    void init() {
        long interval = jobs.config().heartbeatIntervalMs;
        heartbeats = scheduler.scheduleAtFixedRate(this::heartbeat, interval, interval, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void shutdown() {
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
    }

    void changed(@ObservesAsync JobChanged event) {
        JobRecord r = event.record();
        Set<JobSubscriber> subs = subscribers.get(r.id());
        if (subs != null) {
            subs.forEach(s -> s.offer(r));
        }
        Set<Consumer<JobRecord>> w = waiters.remove(r.id());
        if (w != null) {
            w.forEach(c -> c.accept(r));
        }
    }

    // ---- long polling ----

    /**
     * Calls {@code onChange} once with the job's next record, unless {@link #cancelWait} with the returned handle
     * comes first. Null when {@code earshot.jobs.max-long-polls} are waiting already: answer at once then.
     */
    public Consumer<JobRecord> await(String id, Consumer<JobRecord> onChange) {
        if (waiterCount.incrementAndGet() > jobs.config().jobsMaxLongPolls) {
            waiterCount.decrementAndGet();
            return null;
        }
        Waiter once = new Waiter(onChange);
        // compute and changed's remove are atomic on the map: the waiter joins a set that changed() still answers
        waiters.compute(id, (k, v) -> {
            Set<Consumer<JobRecord>> set = v != null ? v : ConcurrentHashMap.newKeySet();
            set.add(once);
            return set;
        });
        // A change between the caller's read and this registration would be missed: look again.
        JobRecord now = jobs.get(id);
        if (now == null) {
            once.accept(null);
        }
        return once;
    }

    /** Stops waiting (the long poll timed out): the handle is dropped and its place freed. */
    public void cancelWait(String id, Consumer<JobRecord> handle) {
        if (handle instanceof Waiter w) {
            w.cancel(); // the handle owns its place in the count, wherever its set went
        }
        waiters.computeIfPresent(id, (k, v) -> {
            v.remove(handle);
            return v.isEmpty() ? null : v;
        });
    }

    /** One long poll's handle: answered or cancelled once, and its place in the count given back once. */
    private final class Waiter implements Consumer<JobRecord> {
        private final Consumer<JobRecord> onChange;
        private final AtomicBoolean done = new AtomicBoolean();

        Waiter(Consumer<JobRecord> onChange) {
            this.onChange = onChange;
        }

        @Override
        public void accept(JobRecord r) {
            if (done.compareAndSet(false, true)) {
                waiterCount.decrementAndGet();
                onChange.accept(r);
            }
        }

        void cancel() {
            if (done.compareAndSet(false, true)) {
                waiterCount.decrementAndGet();
            }
        }
    }

    public int waiting() {
        return waiterCount.get();
    }

    // ---- WebSocket subscribers ----

    /** Subscribes {@code ws} to the job, after sending the records it missed since {@code after}. */
    void subscribe(Session ws, String id, long after, io.earshot.security.Authenticator.Identity who) {
        JobRecord current = JobService.isWellFormed(id) ? jobs.get(id) : null;
        // another identity's job is as unknown as a missing one
        if (current == null || !io.earshot.security.Access.current().owns(who, current.owner())) {
            refuse(ws, CLOSE_NOT_FOUND, "job_not_found", "No job with this id is stored on this server.");
            return;
        }
        if (subscriberCount.incrementAndGet() > jobs.config().jobsMaxSubscribers) {
            subscriberCount.decrementAndGet();
            refuse(ws, CloseReason.CloseCodes.TRY_AGAIN_LATER.getCode(), "server_busy",
                    "Too many job subscriptions are open; poll GET /v1/jobs/{id} or try again later.");
            return;
        }
        JobSubscriber s = new JobSubscriber(ws, id, after, jobs.config().jobsEventHistory);
        ws.getUserProperties().put(JobSubscriber.class.getName(), s);
        subscribers.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(s);
        // Registered before reading the kept records: a change fired meanwhile is offered twice at worst, and
        // the subscriber sends each event id once.
        for (JobRecord r : jobs.since(id, after)) {
            s.offer(r);
        }
        JobRecord latest = jobs.get(id);
        if (latest != null) {
            s.offer(latest);
        }
        // Nothing is sent from inside @OnOpen (see refuse): the queued records go out a moment later, once the
        // handshake is answered (a CI run saw a subscription to a finished job get nothing, and never close).
        boolean finished = latest != null && latest.stage().isFinal() && latest.eventId() <= after;
        Runnable open = () -> {
            s.open();
            if (finished) {
                s.finishedAlready();
            }
        };
        afterOpen(open);
    }

    /** The client was heard from; answers {@code pong} to a {@code ping}. */
    void heard(Session ws, boolean ping) {
        JobSubscriber s = (JobSubscriber) ws.getUserProperties().get(JobSubscriber.class.getName());
        if (s != null) {
            s.lastHeard = System.nanoTime();
            if (ping) {
                s.sendControl("{\"type\":\"pong\"}");
            }
        }
    }

    void closed(Session ws) {
        JobSubscriber s = (JobSubscriber) ws.getUserProperties().remove(JobSubscriber.class.getName());
        if (s != null) {
            Set<JobSubscriber> subs = subscribers.get(s.jobId);
            if (subs != null && subs.remove(s)) {
                subscriberCount.decrementAndGet();
                subscribers.computeIfPresent(s.jobId, (k, v) -> v.isEmpty() ? null : v);
            }
        }
    }

    private void heartbeat() {
        long now = System.nanoTime();
        long dead = TimeUnit.MILLISECONDS.toNanos(jobs.config().heartbeatIntervalMs * 2 + 5_000);
        for (Set<JobSubscriber> subs : subscribers.values()) {
            for (JobSubscriber s : subs) {
                if (now - s.lastHeard > dead) {
                    close(s.ws, CloseReason.CloseCodes.GOING_AWAY.getCode(), "no pong within two heartbeats");
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", "heartbeat");
                m.put("at", Instant.now().toString());
                s.sendControl(Json.write(m));
                try {
                    s.ws.getAsyncRemote().sendPing(ByteBuffer.wrap(new byte[] {'e', 's'}));
                } catch (IOException | RuntimeException e) {
                    // the close callback will tidy up
                }
            }
        }
    }

    /**
     * Refuses a subscription: an {@code error} message, then the close once it has gone out. Called from
     * {@code @OnOpen}, so both happen {@value #AFTER_OPEN_MS} ms later: a send or close from inside
     * {@code @OnOpen}, before Payara has written the handshake's answer, can be lost or break the connection.
     */
    void refuse(Session ws, int closeCode, String code, String message) {
        afterOpen(() -> refuseNow(ws, closeCode, code, message));
    }

    /** Runs {@code task} {@value #AFTER_OPEN_MS} ms from now; at once without a scheduler (a unit test's watchers). */
    private void afterOpen(Runnable task) {
        if (scheduler == null) {
            task.run();
            return;
        }
        try {
            scheduler.schedule(task, AFTER_OPEN_MS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            task.run(); // the scheduler is going away with the application
        }
    }

    /** How long after {@code @OnOpen} the first message of a subscription goes out. */
    static final long AFTER_OPEN_MS = io.earshot.protocol.AfterOpen.DELAY_MS;

    private static void refuseNow(Session ws, int closeCode, String code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "error");
        m.put("code", code);
        m.put("message", message);
        try {
            ws.getAsyncRemote().sendText(Json.write(m), result -> close(ws, closeCode, code));
        } catch (RuntimeException e) {
            close(ws, closeCode, code); // the peer is gone already
        }
    }

    static void close(Session ws, int code, String reason) {
        try {
            ws.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException | RuntimeException e) {
            // already closed
        }
    }

    static void log(String message, Throwable t) {
        LOG.log(Level.FINE, message, t);
    }
}
