package io.earshot.spool;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a session's stored chunks back from its spool directory, in sequence order, as {@code chunks.idx}
 * and {@code audio.raw} give them. Reading works beside a live session that is still appending: it sees the
 * chunks the index listed when the reader was opened, and an index entry that {@code audio.raw} does not
 * (yet) fully cover ends the reading, exactly as after a crash cut a write short. Memory is one chunk.
 */
public final class StoredChunks {

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
        long index = Files.size(sessionDir.resolve(SessionSpool.INDEX_FILE));
        long audio = Files.size(sessionDir.resolve(SessionSpool.AUDIO_FILE));
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
        try (DataInputStream index = open(SessionSpool.INDEX_FILE);
                InputStream audio = open(SessionSpool.AUDIO_FILE)) {
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
}
