package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job's work: its stages in order, the transcript stored first, an engine lost mid-way, and a cancel. */
class JobRunnerTest {

    @TempDir
    Path dir;

    @Test
    void aJobGoesThroughItsStagesInOrderAndEndsComplete() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = t.oneRequestUpload(TestJobs.wav(4), true, true);
        t.workers.runAll();
        assertEquals(List.of(Stage.QUEUED, Stage.TRANSCRIBING, Stage.ALIGNING, Stage.DIARIZING, Stage.COMPLETE),
                t.stagesPublished(r.id()));
        JobRecord done = t.jobs.get(r.id());
        assertEquals(100, done.percent());
        assertEquals(1, done.attempts());
        assertEquals(4000, done.audio().durationMs());
        assertTrue(t.published.stream().anyMatch(p -> p.detail().matches("segment \\d+ of \\d+")));
        List<Long> ids = t.published.stream().filter(p -> p.id().equals(r.id())).map(JobRecord::eventId).toList();
        for (int i = 1; i < ids.size(); i++) {
            assertEquals(ids.get(i - 1) + 1, ids.get(i), "every change published once, in order");
        }
        assertFalse(t.jobs.transcript(r.id()).segments().isEmpty());
        assertEquals("S1", t.jobs.transcript(r.id()).segments().get(0).speaker());
        assertFalse(Files.exists(t.config.jobsDir.resolve(r.id()).resolve(FileJobStore.PCM)),
                "the decoded audio is removed once the job is done");
    }

    @Test
    void withoutAlignOrDiarizeThoseStagesAreSkipped() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = t.oneRequestUpload(TestJobs.wav(2), false, false);
        t.workers.runAll();
        assertEquals(List.of(Stage.QUEUED, Stage.TRANSCRIBING, Stage.COMPLETE), t.stagesPublished(r.id()));
    }

    @Test
    void theTranscriptIsStoredBeforeTheCompleteRecordIsPublished() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRecord r = t.oneRequestUpload(TestJobs.wav(2), false, false);
        java.util.List<Boolean> storedWhenComplete = new java.util.ArrayList<>();
        t.onPublish = e -> {
            if (e.record().stage() == Stage.COMPLETE) {
                storedWhenComplete.add(Files.exists(t.config.jobsDir.resolve(r.id())
                        .resolve(FileJobStore.TRANSCRIPT)));
            }
        };
        t.workers.runAll();
        assertEquals(List.of(true), storedWhenComplete);
    }

    @Test
    void anEngineLostMidJobQueuesItAgainFirstThenFailsAfterTheLastAttempt() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.max-attempts", "2");
        JobRecord r = t.oneRequestUpload(TestJobs.wav(2), false, false);
        t.engine.lost = true;
        t.engine.available = false;
        t.workers.runAll();
        JobRecord again = t.jobs.get(r.id());
        assertEquals(Stage.QUEUED, again.stage());
        assertTrue(again.detail().startsWith("waiting for the speech engine"), again.detail());
        assertEquals(0, t.workers.pending(), "nothing starts while the engine is away");
        t.engine.available = true;
        t.jobs.dispatch();
        t.workers.runAll();
        JobRecord failed = t.jobs.get(r.id());
        assertEquals(Stage.FAILED, failed.stage());
        assertEquals("engine_unavailable", failed.error().code());
        assertEquals(2, failed.attempts());
    }
}
