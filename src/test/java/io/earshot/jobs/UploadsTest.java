package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads: offsets, broken requests, one request at a time, the last byte, and files that are not audio. */
class UploadsTest {

    @TempDir
    Path dir;

    private static InputStream bytes(byte[] b, int from, int to) {
        return new ByteArrayInputStream(Arrays.copyOfRange(b, from, to));
    }

    @Test
    void aPatchAtAnotherOffsetThanTheUploadsIs409OffsetMismatch() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] wav = TestJobs.wav(2);
        JobRecord r = t.tusUpload(wav.length);
        t.jobs.appendUpload(r.id(), 0, bytes(wav, 0, 1000));
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.jobs.appendUpload(r.id(), 500, bytes(wav, 500, 900)));
        assertEquals(409, e.status());
        assertEquals("offset_mismatch", e.code());
        assertTrue(e.getMessage().contains("at byte 1000"), e.getMessage());
        assertEquals(1000, t.jobs.get(r.id()).uploadOffset(), "nothing of the refused request was taken");
    }

    @Test
    void aPatchThatBreaksOffKeepsWhatArrivedAndTellsTheOffset() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] wav = TestJobs.wav(2);
        JobRecord r = t.tusUpload(wav.length);
        UploadIncomplete e = assertThrows(UploadIncomplete.class, () -> t.jobs.appendUpload(r.id(), 0,
                TestJobs.breaksAfter(Arrays.copyOf(wav, 3000))));
        assertEquals(3000, e.uploadOffset());
        assertEquals(3000, t.jobs.get(r.id()).uploadOffset());
        assertEquals(Stage.UPLOADING, t.jobs.get(r.id()).stage());
        t.jobs.appendUpload(r.id(), 3000, bytes(wav, 3000, wav.length));
        try (InputStream stored = t.store.readUpload(r.id())) {
            assertArrayEquals(wav, stored.readAllBytes(), "the resumed upload is the file, byte for byte");
        }
    }

    @Test
    void theLastByteQueuesTheJob() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] wav = TestJobs.wav(2);
        JobRecord r = t.tusUpload(wav.length);
        JobRecord half = t.jobs.appendUpload(r.id(), 0, bytes(wav, 0, wav.length / 2));
        assertEquals(Stage.UPLOADING, half.stage());
        assertEquals(50, half.percent());
        JobRecord done = t.jobs.appendUpload(r.id(), wav.length / 2, bytes(wav, wav.length / 2, wav.length));
        assertEquals(Stage.QUEUED, done.stage());
        assertEquals(1, t.workers.pending(), "and hands it to a worker");
    }

    @Test
    void aCompleteUploadThatIsNotAudioFailsAndIsNotQueued() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] junk = new byte[4000];
        System.arraycopy("RIFF".getBytes(), 0, junk, 0, 4);
        JobRecord r = t.tusUpload(junk.length);
        JobRecord after = t.jobs.appendUpload(r.id(), 0, new ByteArrayInputStream(junk));
        assertEquals(Stage.FAILED, after.stage());
        assertEquals("corrupt_file", after.error().code());
        assertEquals(0, t.workers.pending());
    }

    @Test
    void moreBytesThanUploadLengthKeepsThoseUpToItAndIs413() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] wav = TestJobs.wav(1);
        JobRecord r = t.tusUpload(1000);
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.jobs.appendUpload(r.id(), 0, bytes(wav, 0, 1500)));
        assertEquals(413, e.status());
        assertEquals("upload_too_large", e.code());
        assertEquals(1000, t.jobs.get(r.id()).uploadOffset());
    }

    @Test
    void aSecondRequestWhileOneIsUploadingIs423() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] wav = TestJobs.wav(1);
        JobRecord r = t.tusUpload(wav.length);
        AtomicReference<JobRefusal> second = new AtomicReference<>();
        InputStream slow = new ByteArrayInputStream(Arrays.copyOf(wav, 100)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                if (second.get() == null) {
                    second.set(assertThrows(JobRefusal.class, () -> t.jobs.appendUpload(r.id(), 0,
                            bytes(wav, 0, 10))));
                }
                return super.read(b, off, len);
            }
        };
        t.jobs.appendUpload(r.id(), 0, slow);
        assertEquals(423, second.get().status());
        assertEquals("upload_locked", second.get().code());
        assertEquals(100, t.jobs.get(r.id()).uploadOffset(), "the first request's bytes are all in");
    }

    @Test
    void aCancelledUploadTakesNoMoreBytesAndItsBytesAreGone() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] wav = TestJobs.wav(1);
        JobRecord r = t.tusUpload(wav.length);
        t.jobs.appendUpload(r.id(), 0, bytes(wav, 0, 100));
        assertEquals(Stage.CANCELLED, t.jobs.cancel(r.id()).stage());
        JobRefusal e = assertThrows(JobRefusal.class, () -> t.jobs.appendUpload(r.id(), 100, bytes(wav, 100, 200)));
        assertEquals(410, e.status());
        assertEquals("upload_closed", e.code());
        assertThrows(java.io.IOException.class, () -> t.store.uploadSize(r.id()));
    }

    @Test
    void aOneRequestUploadThatIsNotAudioIsRefusedAndLeavesNoJob() throws Exception {
        TestJobs t = new TestJobs(dir);
        JobRefusal type = assertThrows(JobRefusal.class, () -> t.jobs.createFromUpload(
                new ByteArrayInputStream("hello".getBytes()), "text/plain", null, false, false, "anonymous"));
        assertEquals(415, type.status());
        byte[] junk = new byte[4000];
        System.arraycopy("RIFF".getBytes(), 0, junk, 0, 4);
        JobRefusal corrupt = assertThrows(JobRefusal.class, () -> t.oneRequestUpload(junk, false, false));
        assertEquals(422, corrupt.status());
        assertEquals("corrupt_file", corrupt.code());
        assertEquals(0, t.jobs.status().get("jobs"));
        try (var left = Files.list(t.config.jobsDir)) {
            assertEquals(0, left.count(), "the refused upload's directory is removed");
        }
    }

    @Test
    void aOneRequestUploadThatBreaksOffKeepsNothing() throws Exception {
        TestJobs t = new TestJobs(dir);
        UploadIncomplete e = assertThrows(UploadIncomplete.class, () -> t.jobs.createFromUpload(
                TestJobs.breaksAfter(Arrays.copyOf(TestJobs.wav(1), 5000)), "audio/wav", null, false, false,
                "anonymous"));
        assertTrue(e.getMessage().contains("nothing was kept"), e.getMessage());
        assertEquals(-1, e.uploadOffset());
        assertEquals(0, t.jobs.status().get("jobs"));
        assertNull(t.jobs.jobOfSession("none"));
    }

    @Test
    void anUploadCancelledWhileItsLastPatchIsFinishingStaysCancelled() throws Exception {
        TestJobs t = new TestJobs(dir);
        byte[] wav = TestJobs.wav(1);
        JobRecord r = t.tusUpload(wav.length);
        // the DELETE comes between the PATCH recording the last offset and the PATCH queueing the job
        t.onPublish = e -> {
            if (e.record().stage() == Stage.UPLOADING && e.record().uploadOffset() == wav.length) {
                t.jobs.cancel(r.id());
            }
        };
        JobRecord after = t.jobs.appendUpload(r.id(), 0, bytes(wav, 0, wav.length));
        assertEquals(Stage.CANCELLED, after.stage());
        assertEquals(Stage.CANCELLED, t.jobs.get(r.id()).stage());
        assertEquals(0, t.workers.pending(), "nothing runs it");
    }
}
