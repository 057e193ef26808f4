package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admission: the bounds on waiting and kept jobs, each refused with a code and, where it helps, Retry-After. */
class JobAdmissionTest {

    @TempDir
    Path dir;

    @Test
    void aFullQueueIsRefusedWith503QueueFullAndRetryAfter() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.max-queued", "3", "earshot.limits.retry-after-ms", "2500");
        for (int i = 0; i < 3; i++) {
            t.tusUpload(1000);
        }
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.tusUpload(1000));
        assertEquals(503, e.status());
        assertEquals("queue_full", e.code());
        assertEquals(3, e.retryAfterSeconds(), "retry-after-ms in whole seconds, rounded up");
        assertThrows(JobRefusal.class, () -> t.oneRequestUpload(TestJobs.wav(1), false, false),
                "one-request uploads count against the same bound");
    }

    @Test
    void aCancelledUploadFreesItsPlaceInTheQueue() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.max-queued", "1");
        JobRecord r = t.tusUpload(1000);
        assertThrows(JobRefusal.class, () -> t.tusUpload(1000));
        t.jobs.cancel(r.id());
        t.tusUpload(1000);
    }

    @Test
    void tooManyKeptJobsIsRefusedWith503TooManyJobs() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.max-jobs", "2");
        JobRecord a = t.tusUpload(1000);
        t.jobs.cancel(a.id());
        t.tusUpload(1000);
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.tusUpload(1000));
        assertEquals(503, e.status());
        assertEquals("too_many_jobs", e.code());
        assertTrue(e.retryAfterSeconds() >= 1);
    }

    @Test
    void anUnusableStoreRefusesEveryJobWithoutRetryAfter() throws Exception {
        Files.writeString(dir.resolve("jobs"), "a file where the jobs directory should be");
        TestJobs t = new TestJobs(dir);
        assertEquals(false, t.jobs.status().get("ready"));
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.tusUpload(1000));
        assertEquals(503, e.status());
        assertEquals("storage_failed", e.code());
        assertTrue(e.retryAfterSeconds() < 0, "it lasts until the server is restarted");
    }
}
