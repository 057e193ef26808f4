package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JobStore} does, whatever keeps the bytes: each implementation's test extends this with
 * {@link #newStore}, so that a database store is held to the same rules as the files.
 */
abstract class JobStoreContract {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String A = "j_AAAAAAAAAAAAAAAAAAAAAA";
    private static final String B = "j_BBBBBBBBBBBBBBBBBBBBBB";

    private JobStore store;

    /** A new, empty store. */
    abstract JobStore newStore() throws IOException;

    @BeforeEach
    void open() throws IOException {
        store = newStore();
        store.init();
    }

    private static JobRecord record(String id, Instant created) {
        return JobRecord.create(id, Stage.UPLOADING, "0 of 10 bytes", created, "tus", null, 0, "audio/wav",
                "talk.wav", true, false, 10L, "anonymous");
    }

    @Test
    void theLastSavedRecordOfEachJobIsLoadedBackOldestJobFirst() throws IOException {
        store.create(B);
        store.save(record(B, T0.plusSeconds(1)));
        store.create(A);
        JobRecord a = record(A, T0);
        store.save(a);
        JobRecord moved = a.moved(Stage.QUEUED, 0, "waiting for a worker", T0.plusSeconds(2));
        store.save(moved);
        List<JobRecord> all = store.loadAll();
        assertEquals(List.of(A, B), all.stream().map(JobRecord::id).toList());
        assertEquals(moved, all.get(0));
    }

    @Test
    void anAppendGoesOnAtTheOffsetDroppingBytesNeverConfirmed() throws IOException {
        store.create(A);
        store.writeUpload(A, InputStream.nullInputStream(), 0);
        store.appendUpload(A, 0, new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5}), 10);
        // the record said 3: bytes 4 and 5 arrived in a request that was never answered
        assertEquals(2, store.appendUpload(A, 3, new ByteArrayInputStream(new byte[] {9, 9}), 7));
        try (InputStream in = store.readUpload(A)) {
            assertArrayEquals(new byte[] {1, 2, 3, 9, 9}, in.readAllBytes());
        }
        assertEquals(5, store.uploadSize(A));
    }

    @Test
    void anUploadBeyondItsBoundKeepsTheBytesUpToItAndSaysSo() throws IOException {
        store.create(A);
        assertEquals(-1, store.writeUpload(A, new ByteArrayInputStream(new byte[100]), 60));
        assertEquals(60, store.uploadSize(A));
        assertEquals(40, store.writeUpload(A, new ByteArrayInputStream(new byte[40]), 60), "replaced, not appended");
        assertEquals(40, store.uploadSize(A));
    }

    @Test
    void tailChunksAreReadBackInOrderAndNoneBeyondTheBound() throws IOException {
        store.create(A);
        try (JobStore.TailAppender tail = store.appendTail(A, 0, 10)) {
            assertTrue(tail.append(ByteBuffer.wrap(new byte[] {1, 2, 3, 4})));
            assertTrue(tail.append(ByteBuffer.wrap(new byte[] {5, 6, 7, 8})));
            assertFalse(tail.append(ByteBuffer.wrap(new byte[] {9, 9, 9})), "11 bytes would be beyond 10");
        }
        List<Integer> lengths = new ArrayList<>();
        List<Long> seqs = new ArrayList<>();
        store.readTail(A, (seq, data, n) -> {
            seqs.add(seq);
            lengths.add(n);
        });
        assertEquals(List.of(4, 4), lengths);
        assertEquals(2, seqs.size());
    }

    @Test
    void aTailIsCutBackToTheChunksItsRecordCounts() throws IOException {
        store.create(A);
        try (JobStore.TailAppender tail = store.appendTail(A, 0, 100)) {
            for (byte b = 1; b <= 3; b++) {
                assertTrue(tail.append(ByteBuffer.wrap(new byte[] {b, b})));
            }
        } // a crash before the record said 3: it still says 2
        try (JobStore.TailAppender tail = store.appendTail(A, 2, 100)) {
            assertTrue(tail.append(ByteBuffer.wrap(new byte[] {7, 7, 7})));
        }
        List<Integer> lengths = new ArrayList<>();
        store.readTail(A, (seq, data, n) -> lengths.add(n));
        assertEquals(List.of(2, 2, 3), lengths, "the unrecorded third chunk is not kept twice");
    }

    @Test
    void aJobWithoutATailHasNoChunks() throws IOException {
        store.create(A);
        List<Long> seqs = new ArrayList<>();
        store.readTail(A, (seq, data, n) -> seqs.add(seq));
        assertTrue(seqs.isEmpty());
    }

    @Test
    void decodedAudioIsReadBackAnyStretchAtATime() throws IOException {
        store.create(A);
        short[] samples = new short[1000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) (i * 31 - 15_000);
        }
        try (JobStore.PcmWriter out = store.writePcm(A)) {
            out.write(samples, 0, 600);
            out.write(samples, 600, 400);
        }
        try (JobStore.PcmReader in = store.readPcm(A)) {
            assertEquals(1000, in.samples());
            assertArrayEquals(java.util.Arrays.copyOfRange(samples, 250, 750), in.read(250, 500));
        }
        store.deletePcm(A);
        assertThrows(IOException.class, () -> store.readPcm(A));
    }

    @Test
    void removingTheAudioKeepsTheRecordAndTheTranscript() throws IOException {
        store.create(A);
        JobRecord a = record(A, T0);
        store.save(a);
        store.writeUpload(A, new ByteArrayInputStream(new byte[10]), 10);
        store.saveTranscript(A, Transcript.of(A, 1000, List.of()));
        store.deleteAudio(A);
        assertThrows(IOException.class, () -> store.uploadSize(A));
        assertEquals(a, store.loadAll().get(0));
        assertEquals(A, store.transcript(A).jobId());
        store.delete(A);
        assertTrue(store.loadAll().isEmpty());
    }
}
