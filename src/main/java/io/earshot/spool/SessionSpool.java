package io.earshot.spool;

import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One session's storage on files (its {@link SessionStorage}): the chunks in {@code audio.raw} and
 * {@code chunks.idx} (their format is {@link StoredChunks}'), the events in {@code events.jsonl} (transcripts,
 * marks, the end, as sent, one JSON object a line, written and read here), and {@code session.json}
 * ({@link ManifestFile}). Appends go to the operating system at once; {@link #force()}
 * pushes them to the device.
 *
 * <p>While a server has a session's spool open it holds an exclusive lock on its {@code session.lock}, so that
 * two servers sharing a spool directory never both write one session (the operating system releases the lock
 * when the process dies).
 */
public final class SessionSpool implements SessionStorage {

    public static final String AUDIO_FILE = StoredChunks.AUDIO_FILE;
    public static final String INDEX_FILE = StoredChunks.INDEX_FILE;
    public static final String METADATA_FILE = ManifestFile.NAME;
    public static final String EVENTS_FILE = "events.jsonl";
    public static final String LOCK_FILE = "session.lock";

    /** The spool is open in another server process (or, for a second opener, in this one). */
    public static final class LockedException extends IOException {
        private static final long serialVersionUID = 1L;

        LockedException(Path dir) {
            super("the spool of " + dir.getFileName() + " is open elsewhere");
        }
    }

    private final Path dir;
    /** The chunk files; guarded by this. */
    private final StoredChunks.Writer chunkFiles;
    private final FileChannel events;
    private final FileChannel lockChannel;
    private final java.nio.channels.FileLock lock;
    /** Events appended but not yet forced; guarded by this. */
    private boolean unforcedEvents;
    /** Set once closed; guarded by this. */
    private boolean closed;

    private SessionSpool(Path dir, FileChannel lockChannel, java.nio.channels.FileLock lock,
            StoredChunks.Writer chunkFiles, FileChannel events) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.chunkFiles = chunkFiles;
        this.events = events;
    }

    static SessionSpool create(Path dir) throws IOException {
        Files.createDirectories(dir);
        return open(dir, StandardOpenOption.CREATE_NEW, false);
    }

    /**
     * Opens the spool of a session stored earlier (before a restart, or by another server sharing the directory)
     * to go on appending: the files are cut back to their last whole chunk (a crash can leave an index entry
     * without its bytes, or bytes without their entry), exactly what {@link StoredChunks} reads.
     */
    static SessionSpool reopen(Path dir) throws IOException {
        return open(dir, StandardOpenOption.CREATE, true);
    }

    /**
     * The spool directories this server has open. A second channel on a lock file this process holds would, once
     * closed, release the process's lock (POSIX locks belong to the process), so a spool open here is refused
     * before any channel is opened.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Opens (creating with CREATE_NEW, or reopening cut back to its last whole chunk) under the lock. */
    private static SessionSpool open(Path dir, StandardOpenOption mode, boolean reopen) throws IOException {
        Path key = dir.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            throw new LockedException(dir);
        }
        FileChannel lockChannel;
        try {
            lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
        java.util.List<java.io.Closeable> opened = new java.util.ArrayList<>(java.util.List.of(lockChannel));
        try {
            java.nio.channels.FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new LockedException(dir);
            }
            // Cut back under the lock: what another server appended before it let go is kept.
            StoredChunks.Writer chunkFiles = StoredChunks.Writer.open(dir, mode, reopen);
            opened.add(chunkFiles);
            FileChannel events = FileChannel.open(dir.resolve(EVENTS_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            opened.add(events);
            if (reopen) {
                events.truncate(wholeLines(dir.resolve(EVENTS_FILE)));
            }
            return new SessionSpool(dir, lockChannel, lock, chunkFiles, events);
        } catch (IOException | RuntimeException e) {
            for (java.io.Closeable c : opened) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // the first failure is what the caller reports
                }
            }
            HELD.remove(key);
            throw e;
        }
    }

    @Override
    public void journal(io.earshot.protocol.ServerMessage.SessionEvent event) throws IOException {
        appendEvent(Json.write(event));
    }

    /**
     * Reads {@code events.jsonl} back, oldest first; returns the number of lines that are not an event (a line
     * cut short by a crash is cut off at reopen, so these are lines damaged otherwise).
     */
    static int readJournal(Path dir, java.util.function.Consumer<io.earshot.protocol.ServerMessage.SessionEvent> visitor)
            throws IOException {
        int unreadable = 0;
        try (java.io.BufferedReader in = Files.newBufferedReader(dir.resolve(EVENTS_FILE))) {
            String line;
            while ((line = in.readLine()) != null) {
                io.earshot.protocol.ServerMessage.SessionEvent e;
                try {
                    e = (io.earshot.protocol.ServerMessage.SessionEvent) Json.mapper().readValue(line,
                            io.earshot.protocol.ServerMessage.class);
                } catch (IOException | ClassCastException bad) {
                    unreadable++;
                    continue;
                }
                visitor.accept(e);
            }
        }
        return unreadable;
    }

    /** The later of the manifest's and the audio's last change. */
    static java.time.Instant lastWritten(Path dir) throws IOException {
        return java.time.Instant.ofEpochMilli(Math.max(Files.getLastModifiedTime(dir.resolve(METADATA_FILE)).toMillis(),
                Files.getLastModifiedTime(dir.resolve(AUDIO_FILE)).toMillis()));
    }

    /** Appends one event (a JSON object, one line) to {@code events.jsonl}. */
    synchronized void appendEvent(String json) throws IOException {
        if (closed) {
            throw new IOException("spool of " + dir.getFileName() + " is closed");
        }
        ByteBuffer line = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
        long end = events.size();
        try {
            while (line.hasRemaining()) {
                events.write(line);
            }
        } catch (IOException e) {
            StoredChunks.truncateQuietly(events, end); // no half line for the next event to be glued to
            throw e;
        }
        unforcedEvents = true;
    }

    /** The length of {@code file} up to and including its last newline: the lines written whole. */
    static long wholeLines(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = ch.size();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (end > 0) {
                long from = Math.max(0, end - buf.capacity());
                buf.clear().limit((int) (end - from));
                while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
                    // fill
                }
                for (int k = buf.position() - 1; k >= 0; k--) {
                    if (buf.get(k) == '\n') {
                        return from + k + 1;
                    }
                }
                end = from;
            }
            return 0;
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public synchronized void append(AudioFrame frame, int from) throws IOException {
        if (closed) {
            throw new IOException("spool of " + dir.getFileName() + " is closed");
        }
        chunkFiles.append(frame, from);
    }

    @Override
    public synchronized long force() throws IOException {
        if (!closed) {
            chunkFiles.force();
            if (unforcedEvents) {
                events.force(false);
                unforcedEvents = false;
            }
        }
        return chunkFiles.chunks();
    }

    public synchronized boolean hasUnforced() {
        return chunkFiles.hasUnforced();
    }

    @Override
    public synchronized long chunks() {
        return chunkFiles.chunks();
    }

    @Override
    public synchronized long bytes() {
        return chunkFiles.bytes();
    }

    @Override
    public void writeManifest(SessionManifest manifest) throws IOException {
        ManifestFile.write(dir, manifest);
    }

    /** Replaces {@code session.json} atomically with arbitrary fields (tests of the file's replacement). */
    void writeMetadata(Map<String, Object> metadata) throws IOException {
        ManifestFile.write(dir, metadata);
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (lockChannel; chunkFiles; events) {
            if (unforcedEvents) {
                events.force(false);
            }
        } finally {
            if (lock.isValid()) {
                lock.release();
            }
            HELD.remove(dir.toAbsolutePath().normalize());
        }
    }
}
