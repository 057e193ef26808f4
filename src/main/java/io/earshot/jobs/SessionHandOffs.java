package io.earshot.jobs;

import io.earshot.protocol.AudioFrame;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Clock;

/**
 * Streams handed off to jobs: a session's stored chunks become one job (handing it off again returns the same
 * job), and the chunks the client kept unacknowledged are uploaded after them as the job's tail, from its
 * {@code next_seq} on, without a gap.
 */
final class SessionHandOffs {

    private final JobAdmission admission;
    private final JobLedger ledger;
    private final JobStore store;
    private final JobQueue queue;
    private final UploadClaims claims;
    private final long maxBytes;
    private final Clock clock;
    /** Held while a hand-off looks for its session's job and creates it, so that a session gets one job. */
    private final Object handOffs = new Object();

    SessionHandOffs(JobAdmission admission, JobLedger ledger, JobStore store, JobQueue queue, UploadClaims claims,
            long maxBytes, Clock clock) {
        this.admission = admission;
        this.ledger = ledger;
        this.store = store;
        this.queue = queue;
        this.claims = claims;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    /** The job a session was handed off to, or null. */
    JobRecord jobOfSession(String sessionId) {
        for (JobRecord r : ledger.all()) {
            if (sessionId.equals(r.sessionId())) {
                return r;
            }
        }
        return null;
    }

    /** The job of a session's first {@code chunks} chunks, waiting for a tail with {@code awaitTail}. */
    JobRecord create(String sessionId, String codec, long chunks, boolean awaitTail, boolean align, boolean diarize,
            String owner) throws JobRefusal, StorageFailure {
        synchronized (handOffs) {
            JobRecord existing = jobOfSession(sessionId);
            if (existing != null) {
                return existing;
            }
            String id = admission.admit();
            try {
                JobRecord r = JobRecord.create(id, awaitTail ? Stage.UPLOADING : Stage.QUEUED, awaitTail
                        ? detail(chunks, 0) : "waiting for a worker", clock.instant(), "session", sessionId, chunks,
                        codec, null, align, diarize, null, owner);
                ledger.create(r);
                if (!awaitTail) {
                    queue.add(id);
                }
                return r;
            } catch (StorageFailure e) {
                JobService.deleteQuietly(store, id);
                throw e;
            } catch (RuntimeException e) {
                JobService.deleteQuietly(store, id);
                throw e;
            } finally {
                admission.release(id);
            }
        }
    }

    /**
     * Adds the stream's binary frames the client kept, each after its length as a 4-byte big-endian number.
     * Chunks the job holds already are skipped; with {@code done} the job is then queued.
     */
    JobRecord appendTail(String id, InputStream body, boolean done, int maxFrameBytes)
            throws JobRefusal, UploadIncomplete {
        JobRecord r = ledger.get(id);
        if (r == null || !"session".equals(r.source())) {
            throw JobService.notFound();
        }
        claims.claim(id);
        try {
            return appendClaimed(id, body, done, maxFrameBytes);
        } finally {
            claims.release(id);
        }
    }

    private JobRecord appendClaimed(String id, InputStream body, boolean done, int maxFrameBytes)
            throws JobRefusal, UploadIncomplete {
        JobRecord r = ledger.get(id);
        if (r == null) {
            throw JobService.notFound();
        }
        if (r.stage() != Stage.UPLOADING) {
            throw new JobRefusal(409, "job_not_uploading", "The job is " + r.stage().wireName()
                    + ": it takes no more audio.");
        }
        long base = r.sessionChunks();
        long[] next = {base + r.uploadOffset() + 1};
        JobRefusal stop = null;
        IOException broken = null;
        try (JobStore.TailAppender tail = store.appendTail(id, r.uploadOffset(), maxBytes)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(body, 65_536));
            while (stop == null) {
                int first = in.read();
                if (first < 0) {
                    break;
                }
                long length = ((long) first << 24) | ((long) in.readUnsignedByte() << 16)
                        | ((long) in.readUnsignedByte() << 8) | in.readUnsignedByte();
                if (length > maxFrameBytes || length < AudioFrame.HEADER_BYTES) {
                    stop = new JobRefusal(400, "bad_frame", "A frame of " + length + " bytes: frames are "
                            + AudioFrame.HEADER_BYTES + " to " + maxFrameBytes + " bytes.");
                    break;
                }
                byte[] frame = new byte[(int) length];
                in.readFully(frame);
                AudioFrame f;
                try {
                    f = AudioFrame.parse(ByteBuffer.wrap(frame));
                } catch (AudioFrame.FrameFormatException e) {
                    stop = new JobRefusal(400, "bad_frame", "A frame is not well-formed: " + e.getMessage());
                    break;
                }
                stop = appendChunks(f, tail, next);
            }
        } catch (EOFException e) {
            stop = new JobRefusal(400, "bad_frame", "The body ends inside a frame; the frames before it were kept.");
        } catch (MeteredInputStream.OverBudget e) {
            stop = JobService.overBudget(e);
        } catch (IOException e) {
            broken = e;
        }
        long tailChunks = next[0] - 1 - base;
        // a job cancelled or expired meanwhile keeps its stage
        JobRecord after = ledger.update(id, x -> x.stage() != Stage.UPLOADING ? x : x.uploaded(tailChunks, 0,
                detail(base, tailChunks), clock.instant()));
        if (broken != null) {
            throw new UploadIncomplete("The request broke off; the whole frames received were kept: GET the job for "
                    + "its next_seq.", -1, broken);
        }
        if (stop != null) {
            throw stop;
        }
        if (done) {
            after = ledger.update(id, x -> x.stage() != Stage.UPLOADING ? x
                    : x.moved(Stage.QUEUED, 0, "waiting for a worker", clock.instant()));
            if (after != null && after.stage() == Stage.QUEUED) {
                queue.add(id);
            }
        }
        return after;
    }

    /** The frame's chunks from {@code next[0]} on, counted there; a refusal for a gap or a tail too large. */
    private JobRefusal appendChunks(AudioFrame f, JobStore.TailAppender tail, long[] next) throws IOException {
        for (int i = 0; i < f.count(); i++) {
            long seq = f.firstSeq() + i;
            if (seq < next[0]) {
                continue; // held already
            }
            if (seq > next[0]) {
                return new JobRefusal(409, "sequence_gap", "Chunk " + seq + " came where chunk " + next[0]
                        + " was expected; the chunks before it were kept.");
            }
            if (!tail.append(f.payload(i))) {
                return new JobRefusal(413, "upload_too_large", "The tail is larger than this server takes ("
                        + maxBytes + " bytes).");
            }
            next[0]++;
        }
        return null;
    }

    private static String detail(long sessionChunks, long tailChunks) {
        return sessionChunks + " chunks from the session, " + tailChunks + " from the tail; next chunk "
                + (sessionChunks + tailChunks + 1);
    }
}
