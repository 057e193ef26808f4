package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files' store: the store's contract, and what only files can get wrong. */
class FileJobStoreTest extends JobStoreContract {

    @TempDir
    Path dir;

    @Override
    JobStore newStore() {
        return new FileJobStore(dir.resolve("jobs"));
    }

    @Test
    void aRecordThatCannotBeReadIsSkippedAndItsDirectoryLeftAlone() throws IOException {
        FileJobStore store = new FileJobStore(dir.resolve("jobs"));
        store.init();
        Path bad = dir.resolve("jobs").resolve("j_AAAAAAAAAAAAAAAAAAAAAA");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve(FileJobStore.RECORD), "{not json");
        assertTrue(store.loadAll().isEmpty());
        assertTrue(Files.exists(bad), "kept for whoever investigates");
    }

    @Test
    void aRecordIsReplacedWholeNeverLeftHalfWritten() throws IOException {
        FileJobStore store = new FileJobStore(dir.resolve("jobs"));
        store.init();
        String id = "j_AAAAAAAAAAAAAAAAAAAAAA";
        store.create(id);
        store.save(JobRecord.create(id, Stage.QUEUED, "waiting", Instant.parse("2026-01-01T00:00:00Z"), "upload",
                null, 0, "audio/wav", null, false, false, 1L, "anonymous"));
        try (var files = Files.list(dir.resolve("jobs").resolve(id))) {
            assertEquals(1, files.count(), "no temporary file is left beside job.json");
        }
    }
}
