package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-offs: one job per session, and a tail that goes on at next_seq without a gap. */
class SessionHandOffsTest {

    private static final int MAX_FRAME = 262_144;

    @TempDir
    Path dir;

    private JobRecord handOff(TestJobs t, long chunks) throws Exception {
        return t.jobs.createFromSession("s_1", "pcm16", chunks, true, false, false, "anonymous");
    }

    private List<Long> tailSeqs(TestJobs t, String id) throws Exception {
        List<Long> seqs = new ArrayList<>();
        t.store.readTail(id, (seq, data, n) -> seqs.add(seq));
        return seqs;
    }

    @Test
    void aSessionIsHandedOffToOneJob() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord first = handOff(t, 100);
        JobRecord again = t.jobs.createFromSession("s_1", "pcm16", 120, false, true, true, "anonymous");
        assertEquals(first.id(), again.id());
        assertEquals(first.id(), t.jobs.jobOfSession("s_1").id());
        assertEquals(1, t.jobs.status().get("jobs"));
    }

    @Test
    void theTailStartsAtNextSeqAndChunksHeldAlreadyAreSkipped() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = handOff(t, 100);
        JobRecord after = t.jobs.appendTail(r.id(), new ByteArrayInputStream(TestJobs.tail(95, 130)), false,
                MAX_FRAME);
        assertEquals(30, after.uploadOffset(), "chunks 101 to 130; 95 to 100 were the session's");
        assertEquals(Stage.UPLOADING, after.stage());
        assertEquals(30, tailSeqs(t, r.id()).size());
        JobRecord done = t.jobs.appendTail(r.id(), new ByteArrayInputStream(TestJobs.tail(131, 140)), true,
                MAX_FRAME);
        assertEquals(40, done.uploadOffset());
        assertEquals(Stage.QUEUED, done.stage());
    }

    @Test
    void aGapInTheTailIs409SequenceGapAndTheChunksBeforeItAreKept() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = handOff(t, 100);
        byte[] body = new java.io.ByteArrayOutputStream() {
            {
                writeBytes(TestJobs.tail(101, 105));
                writeBytes(TestJobs.tail(108, 110));
            }
        }.toByteArray();
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.jobs.appendTail(r.id(), new ByteArrayInputStream(body),
                true, MAX_FRAME));
        assertEquals(409, e.status());
        assertEquals("sequence_gap", e.code());
        JobRecord now = t.jobs.get(r.id());
        assertEquals(5, now.uploadOffset());
        assertEquals(Stage.UPLOADING, now.stage(), "done is not honoured after a refusal");
    }

    @Test
    void aJobThatIsNoLongerUploadingTakesNoTail() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = handOff(t, 100);
        t.jobs.appendTail(r.id(), new ByteArrayInputStream(new byte[0]), true, MAX_FRAME);
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.jobs.appendTail(r.id(),
                new ByteArrayInputStream(TestJobs.tail(101, 101)), true, MAX_FRAME));
        assertEquals(409, e.status());
        assertEquals("job_not_uploading", e.code());
    }

    @Test
    void aFrameLongerThanTheLimitIs400BadFrame() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = handOff(t, 0);
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.jobs.appendTail(r.id(),
                new ByteArrayInputStream(TestJobs.tail(1, 10)), true, 100));
        assertEquals(400, e.status());
        assertEquals("bad_frame", e.code());
    }

    @Test
    void aTailIsOnlyForAHandedOffJob() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord upload = t.tusUpload(1000);
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.jobs.appendTail(upload.id(),
                new ByteArrayInputStream(TestJobs.tail(1, 1)), true, MAX_FRAME));
        assertEquals(404, e.status());
    }

    @Test
    void aTailThatEndsAfterTheJobWasCancelledDoesNotBringItBack() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = handOff(t, 100);
        // the DELETE (or the upload's expiry) comes while the tail's last request is being read
        java.io.InputStream body = new java.io.SequenceInputStream(new ByteArrayInputStream(TestJobs.tail(101, 110)),
                new java.io.InputStream() {
                    @Override
                    public int read() {
                        t.jobs.cancel(r.id());
                        return -1;
                    }
                });
        JobRecord after = t.jobs.appendTail(r.id(), body, true, MAX_FRAME);
        assertEquals(Stage.CANCELLED, after.stage());
        assertEquals(Stage.CANCELLED, t.jobs.get(r.id()).stage());
        assertEquals(0, t.workers.pending(), "nothing runs it");
    }
}
