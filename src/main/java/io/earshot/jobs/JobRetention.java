package io.earshot.jobs;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How long jobs are kept: an upload with no bytes for {@code earshot.jobs.upload-expiry-ms} fails, a finished
 * job's audio goes after {@code earshot.jobs.audio-retention-ms}, the job itself after
 * {@code earshot.jobs.retention-ms}.
 */
final class JobRetention {

    private static final Logger LOG = Logger.getLogger(JobRetention.class.getName());

    /** Removes a finished job and everything stored for it. */
    interface Deleter {
        void delete(String id) throws IOException;
    }

    private final JobLedger ledger;
    private final JobStore store;
    private final Deleter deleter;
    private final UploadClaims claims;
    private final long uploadExpiryMs;
    private final long audioRetentionMs;
    private final long retentionMs;

    JobRetention(JobLedger ledger, JobStore store, Deleter deleter, UploadClaims claims, long uploadExpiryMs,
            long audioRetentionMs, long retentionMs) {
        this.ledger = ledger;
        this.store = store;
        this.deleter = deleter;
        this.claims = claims;
        this.uploadExpiryMs = uploadExpiryMs;
        this.audioRetentionMs = audioRetentionMs;
        this.retentionMs = retentionMs;
    }

    void sweep(Instant now) {
        for (JobRecord r : List.copyOf(ledger.all())) {
            try {
                if (r.stage() == Stage.UPLOADING && r.updatedAt().plusMillis(uploadExpiryMs).isBefore(now)) {
                    // a request adding bytes right now holds the claim: the upload is not idle, look again later
                    if (claims.tryClaim(r.id())) {
                        try {
                            expire(r.id(), now);
                        } finally {
                            claims.release(r.id());
                        }
                    }
                } else if (r.stage().isFinal() && r.finishedAt() != null) {
                    if (r.finishedAt().plusMillis(retentionMs).isBefore(now)) {
                        deleter.delete(r.id());
                    } else if (r.finishedAt().plusMillis(audioRetentionMs).isBefore(now)) {
                        store.deleteAudio(r.id());
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "Earshot: cannot clean up job " + r.id(), e);
            }
        }
    }

    private void expire(String id, Instant now) throws IOException {
        JobRecord after = ledger.update(id, x -> x.stage() != Stage.UPLOADING
                || !x.updatedAt().plusMillis(uploadExpiryMs).isBefore(now) ? x : x.failed(new JobFailure(
                "upload_expired", "The upload was not completed in time.", "no bytes for "
                + Duration.ofMillis(uploadExpiryMs), false), now));
        if (after != null && after.stage() == Stage.FAILED) {
            store.deleteAudio(id);
        }
    }
}
