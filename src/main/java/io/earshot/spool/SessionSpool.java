package io.earshot.spool;

import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.Json;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One session's audio on disk: {@code audio.raw} holds the chunk payloads exactly as received, in
 * sequence order; {@code chunks.idx} holds one 4-byte big-endian length per chunk (entry i is chunk i+1);
 * {@code session.json} describes the session. Appends go to the operating system at once; {@link #force()}
 * pushes them to the device.
 */
public final class SessionSpool implements Closeable {

    public static final String AUDIO_FILE = "audio.raw";
    public static final String INDEX_FILE = "chunks.idx";
    public static final String METADATA_FILE = "session.json";

    private final Path dir;
    private final FileChannel audio;
    private final FileChannel index;
    /** Chunks appended so far; guarded by this. */
    private long chunks;
    /** Payload bytes appended so far; guarded by this. */
    private long bytes;
    /** Chunks appended but not yet forced to the device; guarded by this. */
    private long unforcedChunks;
    /** Set once closed; guarded by this. */
    private boolean closed;

    private SessionSpool(Path dir, FileChannel audio, FileChannel index) {
        this.dir = dir;
        this.audio = audio;
        this.index = index;
    }

    static SessionSpool create(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel audio = FileChannel.open(dir.resolve(AUDIO_FILE),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            FileChannel index = FileChannel.open(dir.resolve(INDEX_FILE),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new SessionSpool(dir, audio, index);
        } catch (IOException e) {
            audio.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    /** Appends chunks {@code from..count-1} of the frame; on failure nothing is counted as stored. */
    public synchronized void append(AudioFrame frame, int from) throws IOException {
        if (closed) {
            throw new IOException("spool of " + dir.getFileName() + " is closed");
        }
        int n = frame.count() - from;
        ByteBuffer[] payloads = new ByteBuffer[n];
        ByteBuffer lengths = ByteBuffer.allocate(4 * n).order(ByteOrder.BIG_ENDIAN);
        long total = 0;
        for (int i = 0; i < n; i++) {
            payloads[i] = frame.payload(from + i);
            lengths.putInt(frame.lengths()[from + i]);
            total += frame.lengths()[from + i];
        }
        lengths.flip();
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
        unforcedChunks += n;
    }

    /** Forces appended audio and index to the device. Returns the number of chunks now durable. */
    public synchronized long force() throws IOException {
        if (unforcedChunks > 0 && !closed) {
            audio.force(false);
            index.force(false);
            unforcedChunks = 0;
        }
        return chunks;
    }

    public synchronized boolean hasUnforced() {
        return unforcedChunks > 0;
    }

    public synchronized long chunks() {
        return chunks;
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Replaces {@code session.json} atomically. */
    public void writeMetadata(Map<String, Object> metadata) throws IOException {
        Path tmp = dir.resolve(METADATA_FILE + ".tmp");
        Files.writeString(tmp, Json.write(metadata), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(METADATA_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (audio; index) {
            if (unforcedChunks > 0) {
                audio.force(false);
                index.force(false);
                unforcedChunks = 0;
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer[] buffers, long total) throws IOException {
        long written = 0;
        int first = 0;
        while (written < total) {
            written += channel.write(buffers, first, buffers.length - first);
            while (first < buffers.length && !buffers[first].hasRemaining()) {
                first++;
            }
        }
    }

    private static void truncateQuietly(FileChannel channel, long size) {
        try {
            channel.truncate(size);
            channel.position(size);
        } catch (IOException ignored) {
            // The original failure is what the caller reports.
        }
    }
}
