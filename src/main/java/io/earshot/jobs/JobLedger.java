package io.earshot.jobs;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place a job's record changes: each change is persisted first, kept for re-subscribers, and only then
 * published as a {@link JobChanged} event, so that whoever hears of a record can find it again after a restart.
 */
final class JobLedger {

    private static final Logger LOG = Logger.getLogger(JobLedger.class.getName());

    private final JobStore store;
    private final Consumer<JobChanged> publish;
    private final int historySize;
    /** Every job's current record; a record is replaced only under its job's record lock. */
    private final Map<String, JobRecord> records = new ConcurrentHashMap<>();
    /** A job's recent records, oldest first, for {@code after=N}; each deque is guarded by its own monitor. */
    private final Map<String, Deque<JobRecord>> history = new ConcurrentHashMap<>();
    /** One plain monitor per job: read, change and persist of one job's record happen one at a time. */
    private final Map<String, Object> recordLocks = new ConcurrentHashMap<>();

    JobLedger(JobStore store, Consumer<JobChanged> publish, int historySize) {
        this.store = store;
        this.publish = publish;
        this.historySize = historySize;
    }

    JobRecord get(String id) {
        return id == null ? null : records.get(id);
    }

    Collection<JobRecord> all() {
        return records.values();
    }

    /** The records kept of a job's recent changes with an event id above {@code after}, oldest first. */
    List<JobRecord> since(String id, long after) {
        Deque<JobRecord> h = history.get(id);
        if (h == null) {
            return List.of();
        }
        synchronized (h) {
            return h.stream().filter(r -> r.eventId() > after).toList();
        }
    }

    /**
     * A new job's first record. Nothing is kept or published unless it was persisted: a job accepted without its
     * {@code job.json} would be dropped at the next start as a creation cut short.
     */
    void create(JobRecord r) throws StorageFailure {
        synchronized (lockOf(r.id())) {
            try {
                store.save(r);
            } catch (java.io.IOException e) {
                LOG.log(Level.SEVERE, "Earshot cannot persist new job " + r.id(), e);
                throw new StorageFailure("The server could not store the job.", e);
            }
            records.put(r.id(), r);
            remember(r);
        }
        publish(r);
    }

    /**
     * Applies a change to a job's record, persists it, keeps it and publishes it. Returns the record after the
     * change (the same one if {@code change} returned it unchanged), or null for no such job.
     */
    JobRecord update(String id, UnaryOperator<JobRecord> change) {
        JobRecord next;
        synchronized (lockOf(id)) {
            JobRecord current = records.get(id);
            if (current == null) {
                return null;
            }
            next = change.apply(current);
            if (next == current) {
                return current;
            }
            keep(next);
        }
        publish(next);
        return next;
    }

    /** A record found at startup, persisted again if recovery changed it; nobody listens yet, so nothing is published. */
    void restore(JobRecord r, boolean changed) {
        synchronized (lockOf(r.id())) {
            if (changed) {
                save(r);
            }
            records.put(r.id(), r);
            remember(r);
        }
    }

    /** Drops a job whose files are gone. */
    void forget(String id) {
        // under the job's lock, so that an update in progress cannot put the record back afterwards; its lock
        // object stays, so that every update of this id (each finds no record) takes the same one
        synchronized (lockOf(id)) {
            records.remove(id);
            history.remove(id);
        }
    }

    /**
     * Fires the change. An executor that refuses the event loses it for the followers only: the record is stored
     * and current, so a poll reads it and the next change carries it, and the change itself stands.
     */
    private void publish(JobRecord r) {
        try {
            publish.accept(new JobChanged(r));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.log(Level.WARNING, "Earshot: the event of job " + r.id() + " (event " + r.eventId() + ") was "
                    + "refused by its executor; followers see it at their next poll or change", e);
        }
    }

    private Object lockOf(String id) {
        return recordLocks.computeIfAbsent(id, k -> new Object());
    }

    private void keep(JobRecord r) {
        save(r);
        records.put(r.id(), r);
        remember(r);
    }

    private void save(JobRecord r) {
        try {
            store.save(r);
        } catch (java.io.IOException e) {
            LOG.log(Level.SEVERE, "Earshot cannot persist job " + r.id() + " (event " + r.eventId() + ")", e);
        }
    }

    private void remember(JobRecord r) {
        Deque<JobRecord> h = history.computeIfAbsent(r.id(), k -> new ArrayDeque<>());
        synchronized (h) {
            h.add(r);
            while (h.size() > historySize) {
                h.poll();
            }
        }
    }
}
