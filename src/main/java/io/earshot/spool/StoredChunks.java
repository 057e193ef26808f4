package io.earshot.spool;

import io.earshot.protocol.AudioFrame;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A session's chunks on disk, the one class that writes and reads their format: {@code audio.raw} holds the chunk
 * payloads exactly as received, in sequence order; {@code chunks.idx} holds one 4-byte big-endian length per chunk
 * (entry i is chunk i+1). {@link Writer} appends (for {@link SessionSpool}, and for a job's hand-off tail, which
 * keeps the same layout); this class reads them back, in
 * sequence order. Reading works beside a live session that is still appending: it sees the
 * chunks the index listed when the reader was opened, and an index entry that {@code audio.raw} does not
 * (yet) fully cover ends the reading, exactly as after a crash cut a write short. Memory is one chunk.
 */
public final class StoredChunks {

    static final String AUDIO_FILE = "audio.raw";
    static final String INDEX_FILE = "chunks.idx";

    /** No chunk is longer: the ceiling of {@code earshot.limits.max-binary-payload}. A longer entry means a damaged index. */
    public static final int MAX_CHUNK_BYTES = 4 * 1024 * 1024;

    /** Receives each chunk; {@code data} is reused for the next chunk. */
    public interface Visitor {
        void chunk(long seq, byte[] data, int length) throws IOException;
    }

    private final Path dir;
    private final long indexEntries;
    private final long audioBytes;

    private StoredChunks(Path dir, long indexEntries, long audioBytes) {
        this.dir = dir;
        this.indexEntries = indexEntries;
        this.audioBytes = audioBytes;
    }

    /** Takes the sizes of the session's files now; later appends are not read. Audio is read first: it grows first. */
    public static StoredChunks open(Path sessionDir) throws IOException {
        long index = Files.size(sessionDir.resolve(INDEX_FILE));
        long audio = Files.size(sessionDir.resolve(AUDIO_FILE));
        return new StoredChunks(sessionDir, index / 4, audio);
    }

    /**
     * Hands the stored chunks to {@code visitor} in order, at most {@code maxChunks} of them, and returns how
     * many it handed over: fewer than listed when the audio file ends inside a chunk.
     */
    public long read(long maxChunks, Visitor visitor) throws IOException {
        byte[] data = new byte[8192];
        long remaining = audioBytes;
        long seq = 0;
        try (DataInputStream index = open(INDEX_FILE);
                InputStream audio = open(AUDIO_FILE)) {
            while (seq < Math.min(indexEntries, maxChunks)) {
                long length = index.readInt() & 0xFFFF_FFFFL;
                if (length > MAX_CHUNK_BYTES || length > remaining) {
                    break;
                }
                int n = (int) length;
                if (data.length < n) {
                    data = new byte[Math.max(n, 2 * data.length)];
                }
                if (audio.readNBytes(data, 0, n) < n) {
                    break;
                }
                remaining -= n;
                visitor.chunk(++seq, data, n);
            }
        } catch (EOFException e) {
            // The index shrank since it was measured: a failed append was rolled back. What was read stands.
        }
        return seq;
    }

    private DataInputStream open(String name) throws IOException {
        return new DataInputStream(new BufferedInputStream(Files.newInputStream(dir.resolve(name)), 65_536));
    }

    /** Whether {@code dir} holds stored chunks. */
    public static boolean exist(Path dir) {
        return Files.exists(dir.resolve(INDEX_FILE));
    }

    /** Removes the stored chunks of {@code dir}, if any. */
    public static void delete(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(AUDIO_FILE));
        Files.deleteIfExists(dir.resolve(INDEX_FILE));
    }

    /**
     * Appends chunks to {@code audio.raw} and {@code chunks.idx}. Not thread-safe: its owner guards it (a
     * {@link SessionSpool}, which holds the session's lock while it is open, or a job's one upload at a time).
     */
    public static final class Writer implements java.io.Closeable {
        private final java.nio.channels.FileChannel audio;
        private final java.nio.channels.FileChannel index;
        /** Chunks stored so far. */
        private long chunks;
        /** Payload bytes stored so far. */
        private long bytes;
        /** Chunks appended but not yet forced to the device. */
        private long unforced;

        private Writer(java.nio.channels.FileChannel audio, java.nio.channels.FileChannel index) {
            this.audio = audio;
            this.index = index;
        }

        /**
         * Opens the files ({@code CREATE_NEW} for a new session); a reopened pair is cut back to its last whole
         * chunk (a crash can leave an index entry without its bytes, or bytes without their entry).
         */
        static Writer open(Path dir, java.nio.file.StandardOpenOption mode, boolean reopen) throws IOException {
            return open(dir, mode, reopen, Long.MAX_VALUE);
        }

        /** As {@link #open(Path, java.nio.file.StandardOpenOption, boolean)}, a reopened pair cut back to at most {@code keep} chunks. */
        private static Writer open(Path dir, java.nio.file.StandardOpenOption mode, boolean reopen, long keep)
                throws IOException {
            java.nio.channels.FileChannel audio = java.nio.channels.FileChannel.open(dir.resolve(AUDIO_FILE), mode,
                    java.nio.file.StandardOpenOption.WRITE);
            try {
                java.nio.channels.FileChannel index = java.nio.channels.FileChannel.open(dir.resolve(INDEX_FILE),
                        mode, java.nio.file.StandardOpenOption.WRITE);
                Writer w = new Writer(audio, index);
                if (reopen) {
                    try {
                        long[] total = new long[1];
                        w.chunks = StoredChunks.open(dir).read(keep, (seq, data, n) -> total[0] += n);
                        w.bytes = total[0];
                        audio.truncate(w.bytes);
                        audio.position(w.bytes);
                        index.truncate(w.chunks * 4);
                        index.position(w.chunks * 4);
                    } catch (IOException | RuntimeException e) {
                        index.close();
                        throw e;
                    }
                }
                return w;
            } catch (IOException | RuntimeException e) {
                audio.close();
                throw e;
            }
        }

        /**
         * Opens the chunks of {@code dir} to go on appending, creating them when there are none yet, cut back to the
         * first {@code keep} chunks: those the caller recorded, so that chunks written before a crash but never
         * recorded are not kept twice when they are sent again.
         */
        public static Writer openOrCreate(Path dir, long keep) throws IOException {
            return open(dir, java.nio.file.StandardOpenOption.CREATE, exist(dir), keep);
        }

        /** Appends one chunk; on failure the files are as they were. */
        public void append(java.nio.ByteBuffer payload) throws IOException {
            int length = payload.remaining();
            append(new java.nio.ByteBuffer[] {payload},
                    java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.BIG_ENDIAN).putInt(length).flip(), length);
        }

        /** Appends chunks {@code from..count-1} of the frame; on failure the files are as they were. */
        void append(AudioFrame frame, int from) throws IOException {
            int n = frame.count() - from;
            java.nio.ByteBuffer[] payloads = new java.nio.ByteBuffer[n];
            java.nio.ByteBuffer lengths = java.nio.ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.BIG_ENDIAN);
            long total = 0;
            for (int i = 0; i < n; i++) {
                payloads[i] = frame.payload(from + i);
                lengths.putInt(frame.lengths()[from + i]);
                total += frame.lengths()[from + i];
            }
            append(payloads, lengths.flip(), total);
        }

        private void append(java.nio.ByteBuffer[] payloads, java.nio.ByteBuffer lengths, long total)
                throws IOException {
            int n = payloads.length;
            long audioEnd = bytes;
            long indexEnd = chunks * 4;
            try {
                writeFully(audio, payloads, total);
                while (lengths.hasRemaining()) {
                    index.write(lengths);
                }
            } catch (IOException e) {
                // Leave the files as they were so the stored prefix stays exactly what was acknowledged.
                truncateQuietly(audio, audioEnd);
                truncateQuietly(index, indexEnd);
                throw e;
            }
            chunks += n;
            bytes += total;
            unforced += n;
        }

        void force() throws IOException {
            if (unforced > 0) {
                audio.force(false);
                index.force(false);
                unforced = 0;
            }
        }

        boolean hasUnforced() {
            return unforced > 0;
        }

        long chunks() {
            return chunks;
        }

        /** Payload bytes stored, those appended before this writer was opened included. */
        public long bytes() {
            return bytes;
        }

        /** Forces what was appended to the device, then closes the files. */
        @Override
        public void close() throws IOException {
            try (audio; index) {
                force();
            }
        }

        private static void writeFully(java.nio.channels.FileChannel channel, java.nio.ByteBuffer[] buffers,
                long total) throws IOException {
            long written = 0;
            int first = 0;
            while (written < total) {
                written += channel.write(buffers, first, buffers.length - first);
                while (first < buffers.length && !buffers[first].hasRemaining()) {
                    first++;
                }
            }
        }
    }

    static void truncateQuietly(java.nio.channels.FileChannel channel, long size) {
        try {
            channel.truncate(size);
            channel.position(size);
        } catch (IOException ignored) {
            // The original failure is what the caller reports.
        }
    }
}
