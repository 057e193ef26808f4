package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restart: running jobs are queued again in their order, up to max-attempts, then fail as interrupted. */
class RestartRecoveryTest {

    @TempDir
    Path dir;

    /** A job left in Transcribing, as a server that stopped mid-job leaves it. */
    private static JobRecord running(FileJobStore store, String id, int attempts, Instant created) throws Exception {
        JobRecord r = JobRecord.create(id, Stage.QUEUED, "waiting", created, "upload", null, 0, "audio/wav", null,
                false, false, 10L, "anonymous");
        for (int i = 0; i < attempts; i++) {
            r = r.withAttempt();
        }
        r = r.moved(Stage.TRANSCRIBING, 40, "segment 2 of 5", created);
        store.create(id);
        store.save(r);
        return r;
    }

    @Test
    void jobsRunningAtAStopAreQueuedAgainInTheOrderTheyWereCreated() throws Exception {
        FileJobStore store = new FileJobStore(dir.resolve("jobs"));
        store.init();
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        running(store, "j_BBBBBBBBBBBBBBBBBBBBBB", 1, t0.plusSeconds(5));
        running(store, "j_AAAAAAAAAAAAAAAAAAAAAA", 1, t0);
        TestJobs t = new TestJobs(dir);
        t.engine.available = true;
        JobRecord a = t.jobs.get("j_AAAAAAAAAAAAAAAAAAAAAA");
        assertEquals(Stage.QUEUED, a.stage());
        assertEquals("queued again after a server restart", a.detail());
        assertEquals(2, t.jobs.status().get("queued"));
        t.jobs.dispatch();
        assertEquals(Stage.QUEUED, t.jobs.get("j_BBBBBBBBBBBBBBBBBBBBBB").stage(), "the older one runs first");
        assertEquals(Stage.QUEUED, store.loadAll().get(0).stage(), "the requeued record is persisted");
    }

    @Test
    void aJobInterruptedByMaxAttemptsRestartsFailsAsInterrupted() throws Exception {
        FileJobStore store = new FileJobStore(dir.resolve("jobs"));
        store.init();
        running(store, "j_AAAAAAAAAAAAAAAAAAAAAA", 3, Instant.parse("2026-01-01T00:00:00Z"));
        TestJobs t = new TestJobs(dir, "earshot.jobs.max-attempts", "3");
        JobRecord r = t.jobs.get("j_AAAAAAAAAAAAAAAAAAAAAA");
        assertEquals(Stage.FAILED, r.stage());
        assertEquals("interrupted", r.error().code());
        assertTrue(r.error().detail().contains("3 attempts, the last in stage transcribing"), r.error().detail());
        assertEquals(0, t.jobs.status().get("queued"));
    }

    @Test
    void aJobWhoseCreationWasCutShortIsRemovedAtStartup() throws Exception {
        Files.createDirectories(dir.resolve("jobs").resolve("j_CCCCCCCCCCCCCCCCCCCCCC"));
        TestJobs t = new TestJobs(dir);
        assertEquals(0, t.jobs.status().get("jobs"));
        assertTrue(!Files.exists(dir.resolve("jobs").resolve("j_CCCCCCCCCCCCCCCCCCCCCC")));
    }

    @Test
    void aRestartKeepsEveryRecordAsLastPersisted() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord upload = t.tusUpload(5000);
        t.jobs.appendUpload(upload.id(), 0, new java.io.ByteArrayInputStream(new byte[1200]));
        JobRecord before = t.jobs.get(upload.id());
        JobRecord after = t.restarted().jobs.get(upload.id());
        assertEquals(before, after);
    }
}
