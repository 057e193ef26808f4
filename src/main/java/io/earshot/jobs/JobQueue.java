package io.earshot.jobs;

import io.earshot.transcription.EngineService;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Jobs waiting for a worker, in order, and the ones a worker holds: at most {@code earshot.jobs.concurrency}
 * run at once on the jobs' executor, and only while the engine can take them.
 */
final class JobQueue {

    private static final Logger LOG = Logger.getLogger(JobQueue.class.getName());

    /** A job's work on a worker, stopped by {@link #cancel}. */
    interface Work extends Runnable {
        void cancel();
    }

    private final JobLedger ledger;
    private final EngineService engine;
    private final Executor workers;
    private final Function<JobRecord, Work> works;
    private final int concurrency;
    private final Clock clock;
    /** Guards {@link #waiting} and {@link #running}, so that a job is either waiting or held, never both. */
    private final Object lock = new Object();
    /** Ids of queued jobs in the order they run; guarded by {@link #lock}. */
    private final Deque<String> waiting = new ArrayDeque<>();
    /** The work of each job a worker holds, by id; guarded by {@link #lock}. */
    private final Map<String, Work> running = new HashMap<>();
    /** Set once, when the application stops: nothing starts after it. */
    private volatile boolean stopping;

    JobQueue(JobLedger ledger, EngineService engine, Executor workers, Function<JobRecord, Work> works,
            int concurrency, Clock clock) {
        this.ledger = ledger;
        this.engine = engine;
        this.workers = workers;
        this.works = works;
        this.concurrency = concurrency;
        this.clock = clock;
    }

    /** Queues a job last, and starts what can start. */
    void add(String id) {
        synchronized (lock) {
            if (!waiting.contains(id)) {
                waiting.add(id);
            }
        }
        dispatch();
    }

    /** Queues a job last without starting it: at startup, before anything may run. */
    void append(String id) {
        synchronized (lock) {
            waiting.add(id);
        }
    }

    /** Queues a job first (its worker lost the engine); it starts when the engine is back. */
    void addFirst(String id) {
        synchronized (lock) {
            waiting.addFirst(id);
        }
    }

    /** Takes a job off the queue, and stops its work if a worker holds it. */
    void remove(String id) {
        Work work;
        synchronized (lock) {
            waiting.remove(id);
            work = running.get(id);
        }
        if (work != null) {
            work.cancel();
        }
    }

    /** A worker let go of the job: its place goes to the next one. */
    void finished(String id) {
        synchronized (lock) {
            running.remove(id);
        }
        dispatch();
    }

    /** Runs {@code action} unless a worker holds the job; false if one does. */
    <E extends Exception> boolean unlessRunning(String id, Action<E> action) throws E {
        synchronized (lock) {
            if (running.containsKey(id)) {
                return false;
            }
            action.run();
            return true;
        }
    }

    /** What {@link #unlessRunning} runs. */
    @FunctionalInterface
    interface Action<E extends Exception> {
        void run() throws E;
    }

    /** Starts queued jobs while workers are free and the engine can take them. */
    void dispatch() {
        if (stopping) {
            return;
        }
        List<String> engineFailed = new ArrayList<>();
        try {
            start(engineFailed);
        } finally {
            // failed after the queue's lock is let go: each is a ledger update with its fsync
            for (String id : engineFailed) {
                ledger.update(id, x -> x.stage() != Stage.QUEUED ? x : x.failed(new JobFailure("engine_unavailable",
                        "The speech engine is not available on this server.", engine.unavailableDetail(), true),
                        clock.instant()));
            }
        }
    }

    /** Under the lock: starts what can start; the waiting jobs the engine cannot take ever go to {@code failed}. */
    private void start(List<String> engineFailed) {
        synchronized (lock) {
            while (running.size() < concurrency && !waiting.isEmpty()) {
                if (engine.hasFailed()) {
                    engineFailed.addAll(waiting);
                    waiting.clear();
                    return;
                }
                if (!engine.isAvailable()) {
                    return; // loading, or its breaker is open: the next tick tries again
                }
                // a job queued again by its own worker (the engine was lost) waits until that worker let go
                String id = waiting.stream().filter(w -> !running.containsKey(w)).findFirst().orElse(null);
                if (id == null) {
                    return; // finished() dispatches again
                }
                JobRecord r = ledger.get(id);
                if (r == null || r.stage() != Stage.QUEUED) {
                    waiting.remove(id);
                    continue;
                }
                Work work = works.apply(r);
                // held before it starts: an executor that runs it at once sees it finish inside execute
                waiting.remove(id);
                running.put(id, work);
                try {
                    workers.execute(work);
                } catch (RejectedExecutionException e) {
                    running.remove(id);
                    waiting.addFirst(id);
                    LOG.warning("Earshot: the jobs' executor refused job " + id + "; it stays queued");
                    return;
                }
            }
        }
    }

    /** The application stops: the records of running jobs stay in their stage, so the next start queues them again. */
    void stop() {
        stopping = true;
        List<Work> all;
        synchronized (lock) {
            all = new ArrayList<>(running.values());
        }
        all.forEach(Work::cancel);
    }

    boolean stopping() {
        return stopping;
    }

    int running() {
        synchronized (lock) {
            return running.size();
        }
    }

    int queued() {
        synchronized (lock) {
            return waiting.size();
        }
    }
}
