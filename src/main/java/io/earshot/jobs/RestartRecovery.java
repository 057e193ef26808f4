package io.earshot.jobs;

import java.time.Clock;
import java.util.List;
import java.util.logging.Logger;

/**
 * Jobs found in the store at startup: those that were queued or running are queued again, in the order they were
 * created, and a job interrupted by {@code earshot.jobs.max-attempts} restarts fails as {@code interrupted}.
 */
final class RestartRecovery {

    private static final Logger LOG = Logger.getLogger(RestartRecovery.class.getName());

    private final JobLedger ledger;
    private final JobQueue queue;
    private final int maxAttempts;
    private final Clock clock;

    RestartRecovery(JobLedger ledger, JobQueue queue, int maxAttempts, Clock clock) {
        this.ledger = ledger;
        this.queue = queue;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
    }

    /** Restores {@code found} (oldest first) into the ledger and queues those that should run. */
    void recover(List<JobRecord> found) {
        int requeued = 0;
        for (JobRecord r : found) {
            JobRecord current = r;
            if (r.stage().isRunning() && r.attempts() >= maxAttempts) {
                current = r.failed(new JobFailure("interrupted", "The job was interrupted by server restarts "
                        + "too often.", r.attempts() + " attempts, the last in stage " + r.stage().wireName(), true),
                        clock.instant());
            } else if (r.stage().isRunning()) {
                current = r.moved(Stage.QUEUED, 0, "queued again after a server restart", clock.instant());
                requeued++;
            }
            ledger.restore(current, current != r);
            if (current.stage() == Stage.QUEUED) {
                queue.append(current.id());
            }
        }
        int again = requeued;
        LOG.info(() -> "Earshot jobs: " + found.size() + " on disk, " + again + " queued again after a restart");
    }
}
