package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A long poll: answered by the next change, 304 with the current record at the timeout, once either way. */
class LongPollTest {

    @TempDir
    Path dir;

    private TestJobs t;
    private JobWatchers watchers;
    private final List<LongPoll.Answer> answers = new ArrayList<>();

    @BeforeEach
    void start() {
        t = new TestJobs(dir, "earshot.jobs.max-long-polls", "1");
        watchers = new JobWatchers();
        watchers.jobs = t.jobs;
        t.onPublish = watchers::changed;
    }

    private LongPoll poll(JobRecord r) {
        return new LongPoll(t.jobs::get, watchers, r.id(), r.etag(), answers::add);
    }

    @Test
    void aLongPollReturnsWithTheNewRecordAsSoonAsItChanges() throws Exception {
        JobRecord r = t.tusUpload(5000);
        assertTrue(poll(r).start());
        assertTrue(answers.isEmpty(), "it waits while nothing changes");
        t.jobs.appendUpload(r.id(), 0, new ByteArrayInputStream(new byte[1000]));
        assertEquals(1, answers.size());
        assertTrue(answers.get(0).changed());
        assertEquals(1000, answers.get(0).record().uploadOffset());
    }

    @Test
    void aLongPollThatTimesOutIs304WithTheRecordItNamed() throws Exception {
        JobRecord r = t.tusUpload(5000);
        LongPoll p = poll(r);
        p.start();
        p.timedOut();
        assertEquals(1, answers.size());
        assertFalse(answers.get(0).changed());
        assertEquals(r.etag(), answers.get(0).record().etag());
        assertEquals(0, watchers.waiting(), "its place is free again");
        t.jobs.appendUpload(r.id(), 0, new ByteArrayInputStream(new byte[10]));
        assertEquals(1, answers.size(), "a change after the timeout answers nothing more");
    }

    @Test
    void aChangeBeforeTheWaitBeganIsAnsweredAtOnce() throws Exception {
        JobRecord r = t.tusUpload(5000);
        t.jobs.appendUpload(r.id(), 0, new ByteArrayInputStream(new byte[10]));
        poll(r).start();
        assertEquals(1, answers.size());
        assertTrue(answers.get(0).changed());
        assertEquals(2, answers.get(0).record().eventId());
    }

    @Test
    void aDeletedJobAnswersTheLongPollWithNoRecord() throws Exception {
        JobRecord r = t.tusUpload(5000);
        LongPoll p = poll(r);
        p.start();
        t.jobs.cancel(r.id());
        assertEquals(1, answers.size(), "the cancel is a change");
        t.jobs.delete(r.id());
        answers.clear();
        p.timedOut();
        assertNull(answers.get(0).record());
    }

    @Test
    void beyondTheBoundOfLongPollsNothingWaits() throws Exception {
        JobRecord r = t.tusUpload(5000);
        assertTrue(poll(r).start());
        assertFalse(poll(r).start(), "the resource answers 304 at once then");
    }

    @Test
    void aTimeoutBeforeTheRegistrationStillGivesThePlaceBack() throws Exception {
        JobRecord r = t.tusUpload(5000);
        LongPoll p = poll(r);
        p.timedOut(); // the container's timeout handler runs before start() registered
        p.start();
        assertEquals(1, answers.size());
        assertEquals(0, watchers.waiting(), "its place is free again");
        assertTrue(poll(r).start(), "the next long poll (max-long-polls is 1) waits");
        assertEquals(1, watchers.waiting());
    }

    @Test
    void aHandleCancelledAfterItsSetWasAnsweredCountsOnce() throws Exception {
        JobRecord r = t.tusUpload(5000);
        java.util.function.Consumer<JobRecord> h = watchers.await(r.id(), x -> { });
        assertEquals(1, watchers.waiting());
        watchers.cancelWait(r.id(), h);
        watchers.cancelWait(r.id(), h);
        h.accept(r);
        assertEquals(0, watchers.waiting());
    }
}
