package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger: persisted before published, one event id and ETag per change, replays from the history. */
class JobLedgerTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String ID = "j_AAAAAAAAAAAAAAAAAAAAAA";

    @TempDir
    Path dir;

    private JobRecord first() {
        return JobRecord.create(ID, Stage.QUEUED, "waiting for a worker", T0, "upload", null, 0, "audio/wav", null,
                false, false, 10L, "anonymous");
    }

    @Test
    void aChangeIsPersistedBeforeItIsPublished() throws Exception {
        FileJobStore store = new FileJobStore(dir);
        store.init();
        store.create(ID);
        List<String> seen = new ArrayList<>();
        JobLedger ledger = new JobLedger(store, e -> {
            try {
                JobRecord onDisk = store.loadAll().get(0);
                seen.add(e.record().eventId() + "=" + onDisk.eventId());
            } catch (java.io.IOException x) {
                throw new AssertionError(x);
            }
        }, 16);
        ledger.create(first());
        ledger.update(ID, r -> r.moved(Stage.TRANSCRIBING, 5, "segment 1 of 2", T0.plusSeconds(1)));
        assertEquals(List.of("1=1", "2=2"), seen, "each published record was on disk already");
    }

    @Test
    void everyChangeHasTheNextEventIdAndItsOwnEtag() throws Exception {
        FileJobStore store = new FileJobStore(dir);
        store.init();
        store.create(ID);
        List<JobRecord> published = new ArrayList<>();
        JobLedger ledger = new JobLedger(store, e -> published.add(e.record()), 16);
        ledger.create(first());
        JobRecord second = ledger.update(ID, r -> r.moved(Stage.TRANSCRIBING, 0, "starting", T0));
        JobRecord third = ledger.update(ID, r -> r.moved(Stage.TRANSCRIBING, 50, "segment 1 of 2", T0));
        assertEquals(List.of(1L, 2L, 3L), published.stream().map(JobRecord::eventId).toList());
        assertEquals("\"" + ID + ".2\"", second.etag());
        assertNotEquals(second.etag(), third.etag());
    }

    @Test
    void aChangeThatChangesNothingIsNeitherKeptNorPublished() throws Exception {
        FileJobStore store = new FileJobStore(dir);
        store.init();
        store.create(ID);
        List<JobRecord> published = new ArrayList<>();
        JobLedger ledger = new JobLedger(store, e -> published.add(e.record()), 16);
        ledger.create(first());
        JobRecord same = ledger.update(ID, r -> r);
        assertSame(ledger.get(ID), same);
        assertEquals(1, published.size());
        assertEquals(null, ledger.update("j_nosuchjobnosuchjobnosu", r -> r.moved(Stage.FAILED, 0, "", T0)));
    }

    @Test
    void sinceReplaysTheKeptRecordsAfterTheGivenEventIdOldestFirst() throws Exception {
        FileJobStore store = new FileJobStore(dir);
        store.init();
        store.create(ID);
        JobLedger ledger = new JobLedger(store, e -> { }, 3);
        ledger.create(first());
        for (int i = 1; i <= 4; i++) {
            int p = i * 10;
            ledger.update(ID, r -> r.moved(Stage.TRANSCRIBING, p, "segment", T0));
        }
        assertEquals(List.of(4L, 5L), ledger.since(ID, 3).stream().map(JobRecord::eventId).toList());
        assertEquals(List.of(3L, 4L, 5L), ledger.since(ID, 0).stream().map(JobRecord::eventId).toList(),
                "the history keeps earshot.jobs.event-history records");
        assertTrue(ledger.since(ID, 5).isEmpty());
    }

    @Test
    void aChangeWhoseEventIsRefusedStandsAndIsStored() throws Exception {
        FileJobStore store = new FileJobStore(dir);
        store.init();
        store.create(ID);
        JobLedger ledger = new JobLedger(store, e -> {
            throw new java.util.concurrent.RejectedExecutionException("saturated");
        }, 16);
        ledger.create(first());
        JobRecord next = ledger.update(ID, r -> r.moved(Stage.CANCELLED, 0, "cancelled by the client", T0));
        assertEquals(Stage.CANCELLED, ledger.get(ID).stage());
        assertEquals(next, store.loadAll().get(0));
    }

    @Test
    void anUpdateInProgressDoesNotPutAForgottenJobBack() throws Exception {
        FileJobStore store = new FileJobStore(dir);
        store.init();
        store.create(ID);
        JobLedger ledger = new JobLedger(store, e -> { }, 16);
        ledger.create(first());
        Thread forget = new Thread(() -> ledger.forget(ID));
        ledger.update(ID, r -> {
            forget.start();
            try {
                forget.join(300); // without the job's lock, forget is done by now
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return r.moved(Stage.TRANSCRIBING, 5, "segment 1 of 2", T0.plusSeconds(1));
        });
        forget.join();
        assertEquals(null, ledger.get(ID), "forgotten after the update, not brought back by it");
        assertTrue(ledger.since(ID, 0).isEmpty());
    }

    @Test
    void aNewJobThatCannotBePersistedIsNeitherKeptNorPublished() throws Exception {
        FileJobStore store = new FileJobStore(dir);
        store.init();
        java.nio.file.Files.writeString(dir.resolve(ID), "not a directory"); // job.json cannot be written
        List<JobChanged> published = new ArrayList<>();
        JobLedger ledger = new JobLedger(store, published::add, 16);
        org.junit.jupiter.api.Assertions.assertThrows(StorageFailure.class, () -> ledger.create(first()));
        assertEquals(null, ledger.get(ID));
        assertTrue(ledger.since(ID, 0).isEmpty());
        assertTrue(published.isEmpty());
    }
}
