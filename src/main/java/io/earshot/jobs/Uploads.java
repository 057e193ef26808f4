package io.earshot.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;

/**
 * Uploads that become jobs: a whole file in one request, or a resumable (tus) upload taken {@code PATCH} by
 * {@code PATCH}. Whatever a broken {@code PATCH} delivered is kept and its offset recorded; the last byte queues
 * the job, or fails it if the file is not audio Earshot reads.
 */
final class Uploads {

    private final JobAdmission admission;
    private final JobLedger ledger;
    private final JobStore store;
    private final JobQueue queue;
    private final UploadClaims claims;
    private final long maxBytes;
    private final Clock clock;

    Uploads(JobAdmission admission, JobLedger ledger, JobStore store, JobQueue queue, UploadClaims claims,
            long maxBytes, Clock clock) {
        this.admission = admission;
        this.ledger = ledger;
        this.store = store;
        this.queue = queue;
        this.claims = claims;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    /** A job from a whole file in one request: stored, its first seconds decoded, then queued. */
    JobRecord createFromUpload(InputStream body, String mediaType, String filename, boolean align, boolean diarize,
            String owner) throws JobRefusal, UploadIncomplete, StorageFailure {
        AudioProbe.checkMediaType(mediaType);
        String id = admission.admit();
        try {
            long bytes = store.writeUpload(id, body, maxBytes);
            if (bytes < 0) {
                throw new JobRefusal(413, "upload_too_large", "The file is larger than this server takes ("
                        + maxBytes + " bytes): use a resumable upload or split it.");
            }
            probeStored(id, mediaType, "The server could not store the upload.");
            JobRecord r = JobRecord.create(id, Stage.QUEUED, "waiting for a worker", clock.instant(), "upload", null,
                    0, mediaType, filename, align, diarize, bytes, owner);
            r = r.uploaded(bytes, 0, "waiting for a worker", r.createdAt());
            ledger.create(r);
            queue.add(id);
            return r;
        } catch (MeteredInputStream.OverBudget e) {
            discard(id);
            throw JobService.overBudget(e);
        } catch (MultipartReader.MalformedException e) {
            discard(id);
            throw e.refusal();
        } catch (StorageFailure e) {
            discard(id);
            throw e.as("The server could not store the upload.");
        } catch (IOException e) {
            discard(id);
            throw new UploadIncomplete("The upload broke off before its end; nothing was kept. For large files use "
                    + "the resumable upload.", -1, e);
        } catch (JobRefusal | RuntimeException e) {
            discard(id);
            throw e;
        } finally {
            admission.release(id);
        }
    }

    /** A resumable upload of {@code length} bytes: the job waits in Uploading until they are all in. */
    JobRecord createUpload(long length, String mediaType, String filename, boolean align, boolean diarize,
            String owner) throws JobRefusal, StorageFailure {
        if (length > maxBytes) {
            throw new JobRefusal(413, "upload_too_large", "The file is larger than this server takes ("
                    + maxBytes + " bytes).");
        }
        AudioProbe.checkMediaType(mediaType);
        String id;
        try {
            id = admission.admit();
        } catch (StorageFailure e) {
            throw e.as("The server cannot store uploads right now.");
        }
        try {
            store.writeUpload(id, InputStream.nullInputStream(), 0);
            JobRecord r = JobRecord.create(id, Stage.UPLOADING, detail(0, length), clock.instant(), "tus", null, 0,
                    mediaType, filename, align, diarize, length, owner);
            ledger.create(r);
            return r;
        } catch (IOException e) {
            discard(id);
            throw new StorageFailure("The server cannot store uploads right now.", e);
        } catch (RuntimeException e) {
            discard(id);
            throw e;
        } finally {
            admission.release(id);
        }
    }

    /**
     * Appends the body of a {@code PATCH} at {@code offset}; 409 unless it is the upload's offset. Whatever arrives
     * is kept, even when the request breaks off; the offset then says where to go on.
     */
    JobRecord append(String id, long offset, InputStream body)
            throws JobRefusal, UploadIncomplete, StorageFailure {
        JobRecord r = ledger.get(id);
        if (r == null || !"tus".equals(r.source())) {
            throw JobService.notFound();
        }
        claims.claim(id);
        try {
            return appendClaimed(id, offset, body);
        } finally {
            claims.release(id);
        }
    }

    private JobRecord appendClaimed(String id, long offset, InputStream body)
            throws JobRefusal, UploadIncomplete, StorageFailure {
        JobRecord r = ledger.get(id);
        if (r == null) {
            throw JobService.notFound();
        }
        if (r.stage() == Stage.CANCELLED || (r.stage() == Stage.FAILED && r.uploadOffset() < r.uploadLength())) {
            throw new JobRefusal(410, "upload_closed", "This upload was cancelled or has expired.");
        }
        if (offset != r.uploadOffset()) {
            throw new JobRefusal(409, "offset_mismatch", "The upload is at byte " + r.uploadOffset()
                    + ", not " + offset + ": send HEAD for the offset and go on from there.");
        }
        IOException broken = null;
        boolean overflow = false;
        try {
            overflow = store.appendUpload(id, offset, body, r.uploadLength() - offset) < 0;
        } catch (IOException e) {
            broken = e;
        }
        long newOffset;
        try {
            newOffset = store.uploadSize(id);
        } catch (IOException e) {
            throw new StorageFailure("The server could not store the bytes; send HEAD for the offset.", e);
        }
        JobRecord after = ledger.update(id, x -> x.stage() == Stage.UPLOADING ? x.uploaded(newOffset,
                percent(newOffset, x.uploadLength()), detail(newOffset, x.uploadLength()), clock.instant()) : x);
        if (after != null && after.stage() == Stage.UPLOADING && newOffset == after.uploadLength()) {
            after = complete(after);
        }
        if (broken instanceof MeteredInputStream.OverBudget e) {
            throw JobService.overBudget(e);
        }
        if (broken instanceof StorageFailure e) {
            throw e.as("The server could not store the bytes; send HEAD for the offset.");
        }
        if (broken != null) {
            throw new UploadIncomplete("The request broke off; the bytes received were kept: send HEAD for the "
                    + "offset.", after == null ? 0 : after.uploadOffset(), broken);
        }
        if (overflow) {
            throw new JobRefusal(413, "upload_too_large", "The request carries more bytes than the upload's "
                    + "Upload-Length; the bytes up to it were kept.");
        }
        return after;
    }

    /** The last byte is in: queued if the file decodes, failed if not. */
    private JobRecord complete(JobRecord r) throws StorageFailure {
        try {
            probeStored(r.id(), r.mediaType(), "The server could not store the bytes; send HEAD for the offset.");
        } catch (JobRefusal e) {
            // a job cancelled or expired meanwhile keeps its stage
            return ledger.update(r.id(), x -> x.stage() != Stage.UPLOADING ? x : x.failed(new JobFailure(e.code(),
                    "The uploaded file cannot be transcribed.", e.getMessage(), false), clock.instant()));
        }
        JobRecord q = ledger.update(r.id(), x -> x.stage() != Stage.UPLOADING ? x
                : x.moved(Stage.QUEUED, 0, "waiting for a worker", clock.instant()));
        if (q != null && q.stage() == Stage.QUEUED) {
            queue.add(r.id());
        }
        return q;
    }

    /** The stored upload's first seconds decoded; reading it back is the server's own storage. */
    private void probeStored(String id, String mediaType, String failure) throws JobRefusal, StorageFailure {
        try {
            AudioProbe.probe(store.readUpload(id), mediaType);
        } catch (IOException e) {
            throw new StorageFailure(failure, e);
        }
    }

    private void discard(String id) {
        JobService.deleteQuietly(store, id);
    }

    static String detail(long offset, long length) {
        return offset + " of " + length + " bytes";
    }

    private static int percent(long done, long total) {
        return total <= 0 ? 100 : (int) (done * 100 / total);
    }
}
