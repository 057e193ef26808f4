package io.earshot.jobs;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

/**
 * Whether a new job may be created: the store must be usable, and the jobs waiting ({@code earshot.jobs.max-queued})
 * and kept ({@code earshot.jobs.max-jobs}) within their bounds; a refusal says when to try again.
 */
final class JobAdmission {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JobLedger ledger;
    private final JobStore store;
    private final int maxQueued;
    private final int maxJobs;
    private final long retryAfterSeconds;
    /** Null when the store is usable, otherwise why not; written once at startup. */
    private volatile String storeProblem;
    /** Ids being created, counted against the bounds until their first record exists; guarded by {@code this}. */
    private final Set<String> admitting = new HashSet<>();

    JobAdmission(JobLedger ledger, JobStore store, int maxQueued, int maxJobs, long retryAfterMs) {
        this.ledger = ledger;
        this.store = store;
        this.maxQueued = maxQueued;
        this.maxJobs = maxJobs;
        this.retryAfterSeconds = Math.max(1, (retryAfterMs + 999) / 1000);
    }

    void storeUnusable(String why) {
        storeProblem = why;
    }

    boolean ready() {
        return storeProblem == null;
    }

    /** Reserves a place for a new job and its storage; {@link #release} once its first record exists or it failed. */
    String admit() throws JobRefusal, StorageFailure {
        if (storeProblem != null) {
            throw new JobRefusal(503, "storage_failed", "This server cannot store jobs: its jobs directory is not "
                    + "usable.");
        }
        String id;
        synchronized (this) {
            long waiting = admitting.size() + ledger.all().stream()
                    .filter(r -> r.stage() == Stage.UPLOADING || r.stage() == Stage.QUEUED).count();
            if (waiting >= maxQueued) {
                throw new JobRefusal(503, "queue_full", "Too many jobs are waiting (" + waiting + "); try again "
                        + "later.", retryAfterSeconds);
            }
            if (ledger.all().size() + admitting.size() >= maxJobs) {
                throw new JobRefusal(503, "too_many_jobs", "This server holds as many jobs as it keeps ("
                        + maxJobs + "); delete finished ones or try again later.", retryAfterSeconds);
            }
            id = newId();
            admitting.add(id);
        }
        try {
            store.create(id);
        } catch (IOException e) {
            release(id);
            throw new StorageFailure("The server could not store the job.", e);
        }
        return id;
    }

    synchronized void release(String id) {
        admitting.remove(id);
    }

    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    private static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return "j_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
