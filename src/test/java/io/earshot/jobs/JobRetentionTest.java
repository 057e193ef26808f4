package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention: stalled uploads expire; a finished job's audio goes first, the job itself later. */
class JobRetentionTest {

    @TempDir
    Path dir;

    @Test
    void anUploadWithNoBytesForTheExpiryFailsAsExpiredAndItsBytesGo() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.upload-expiry-ms", "60000");
        JobRecord r = t.tusUpload(5000);
        t.clock.advance(Duration.ofSeconds(59));
        t.jobs.sweep(t.clock.instant());
        assertEquals(Stage.UPLOADING, t.jobs.get(r.id()).stage());
        t.clock.advance(Duration.ofSeconds(2));
        t.jobs.sweep(t.clock.instant());
        JobRecord expired = t.jobs.get(r.id());
        assertEquals(Stage.FAILED, expired.stage());
        assertEquals("upload_expired", expired.error().code());
        assertFalse(Files.exists(t.config.jobsDir.resolve(r.id()).resolve(FileJobStore.UPLOAD)));
    }

    @Test
    void aFinishedJobLosesItsAudioFirstThenEverything() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.audio-retention-ms", "60000", "earshot.jobs.retention-ms",
                "600000");
        JobRecord r = t.oneRequestUpload(TestJobs.wav(1), false, false);
        t.workers.runAll();
        Path jobDir = t.config.jobsDir.resolve(r.id());
        t.clock.advance(Duration.ofMinutes(2));
        t.jobs.sweep(t.clock.instant());
        assertFalse(Files.exists(jobDir.resolve(FileJobStore.UPLOAD)), "the audio is gone");
        assertTrue(Files.exists(jobDir.resolve(FileJobStore.TRANSCRIPT)), "the transcript is kept");
        assertEquals(Stage.COMPLETE, t.jobs.get(r.id()).stage());
        t.clock.advance(Duration.ofMinutes(10));
        t.jobs.sweep(t.clock.instant());
        assertNull(t.jobs.get(r.id()));
        assertFalse(Files.exists(jobDir));
    }

    @Test
    void anUploadIsNotExpiredWhileARequestIsAddingToIt() throws Exception {
        TestJobs t = new TestJobs(dir, "earshot.jobs.upload-expiry-ms", "60000");
        byte[] wav = TestJobs.wav(1);
        JobRecord r = t.tusUpload(wav.length);
        // a PATCH slower than the expiry: the sweep runs while it is reading the body
        java.io.InputStream slow = new java.io.SequenceInputStream(new java.io.InputStream() {
            @Override
            public int read() {
                t.clock.advance(Duration.ofSeconds(61));
                t.jobs.sweep(t.clock.instant());
                return -1;
            }
        }, new java.io.ByteArrayInputStream(java.util.Arrays.copyOf(wav, 1000)));
        JobRecord after = t.jobs.appendUpload(r.id(), 0, slow);
        assertEquals(Stage.UPLOADING, after.stage());
        assertEquals(1000, after.uploadOffset());
        assertTrue(Files.exists(t.config.jobsDir.resolve(r.id()).resolve(FileJobStore.UPLOAD)));
    }
}
