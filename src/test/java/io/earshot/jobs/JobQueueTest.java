package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue: concurrency, order, cancel, an executor that refuses, an engine that is away, and deletion. */
class JobQueueTest {

    @TempDir
    Path dir;

    @Test
    void jobsRunInTheirOrderNoMoreAtOnceThanTheConcurrency() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord a = t.oneRequestUpload(TestJobs.wav(1), false, false);
        JobRecord b = t.oneRequestUpload(TestJobs.wav(1), false, false);
        assertEquals(1, t.jobs.status().get("running"));
        assertEquals(1, t.jobs.status().get("queued"));
        t.workers.poll().run();
        assertEquals(Stage.COMPLETE, t.jobs.get(a.id()).stage());
        assertEquals(Stage.QUEUED, t.jobs.get(b.id()).stage(), "b waited for a's worker");
        t.workers.runAll();
        assertEquals(Stage.COMPLETE, t.jobs.get(b.id()).stage());
        assertEquals(0, t.jobs.status().get("running"));
    }

    @Test
    void cancellingARunningJobFreesItsWorkerForTheNext() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord a = t.oneRequestUpload(TestJobs.wav(3), false, false);
        JobRecord b = t.oneRequestUpload(TestJobs.wav(1), false, false);
        assertEquals(Stage.CANCELLED, t.jobs.cancel(a.id()).stage());
        t.workers.poll().run(); // a's worker stops at its first report
        assertEquals(Stage.CANCELLED, t.jobs.get(a.id()).stage(), "the cancel is not overwritten");
        assertEquals(0, t.engine.recognized, "nothing of a was recognized");
        t.workers.runAll();
        assertEquals(Stage.COMPLETE, t.jobs.get(b.id()).stage());
    }

    @Test
    void anExecutorThatRefusesLeavesTheJobQueuedUntilItTakesIt() throws Exception {
        TestJobs t = new TestJobs(dir);
        t.workers.refusing = true;
        JobRecord a = t.oneRequestUpload(TestJobs.wav(1), false, false);
        assertEquals(Stage.QUEUED, t.jobs.get(a.id()).stage());
        assertEquals(1, t.jobs.status().get("queued"));
        assertEquals(0, t.jobs.status().get("running"));
        t.workers.refusing = false;
        t.jobs.dispatch();
        t.workers.runAll();
        assertEquals(Stage.COMPLETE, t.jobs.get(a.id()).stage());
    }

    @Test
    void queuedJobsWaitWhileTheEngineIsAwayAndFailWhenItFailedForGood() throws Exception {
        TestJobs t = new TestJobs(dir);
        t.engine.available = false;
        JobRecord a = t.oneRequestUpload(TestJobs.wav(1), false, false);
        assertEquals(0, t.workers.pending());
        assertEquals(Stage.QUEUED, t.jobs.get(a.id()).stage());
        t.engine.failedForGood = true;
        t.jobs.dispatch();
        JobRecord failed = t.jobs.get(a.id());
        assertEquals(Stage.FAILED, failed.stage());
        assertEquals("engine_unavailable", failed.error().code());
    }

    @Test
    void aFinishedJobIsDeletedWithItsFilesAnUnfinishedOneIsNot() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord a = t.oneRequestUpload(TestJobs.wav(1), false, false);
        assertFalse(t.jobs.delete(a.id()), "a queued job is cancelled, not deleted");
        t.workers.runAll();
        assertTrue(t.jobs.delete(a.id()));
        assertEquals(null, t.jobs.get(a.id()));
        assertTrue(t.jobs.since(a.id(), 0).isEmpty());
        assertFalse(Files.exists(t.config.jobsDir.resolve(a.id())));
        assertTrue(t.restarted().jobs.get(a.id()) == null, "and it does not come back after a restart");
    }

    @Test
    void aJobQueuedAgainByItsOwnWorkerDoesNotStartTwiceBeforeThatWorkerLetGo() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.concurrency", "2"); // a worker is free
        JobRecord a = t.oneRequestUpload(TestJobs.wav(1), false, false);
        assertEquals(1, t.workers.pending());
        // what engineLost does while a's runner still holds it (finished() comes after deletePcm)
        t.jobs.queue().addFirst(a.id());
        t.jobs.dispatch();
        assertEquals(1, t.workers.pending(), "no second runner while the first holds the job");
        assertEquals(1, t.jobs.status().get("running"));
        assertEquals(1, t.jobs.status().get("queued"));
        t.workers.runAll(); // the first runs it; its finished() lets the queued entry go (no longer QUEUED)
        assertEquals(Stage.COMPLETE, t.jobs.get(a.id()).stage());
        assertEquals(0, t.jobs.status().get("running"));
        assertEquals(0, t.jobs.status().get("queued"));
    }

    @Test
    void jobsTheFailedEngineCannotTakeAreFailedOutsideTheQueuesLock() throws Exception {
        TestJobs t = new TestJobs(dir);
        t.engine.available = false;
        JobRecord a = t.oneRequestUpload(TestJobs.wav(1), false, false);
        java.util.concurrent.atomic.AtomicBoolean lockFree = new java.util.concurrent.atomic.AtomicBoolean();
        t.onPublish = e -> {
            Thread other = new Thread(() -> t.jobs.queue().queued()); // takes the queue's lock
            other.start();
            try {
                other.join(2000);
            } catch (InterruptedException x) {
                throw new AssertionError(x);
            }
            lockFree.set(!other.isAlive());
        };
        t.engine.failedForGood = true;
        t.jobs.dispatch();
        assertEquals(Stage.FAILED, t.jobs.get(a.id()).stage());
        assertTrue(lockFree.get(), "the ledger update (and its fsync) ran with the queue's lock let go");
    }
}
