package io.earshot.spool;

import io.earshot.protocol.ServerMessage.SessionEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/** {@link SessionStore} on files: one sub-directory per session, named by its id, under the spool directory. */
final class FileSessionStore implements SessionStore {

    private final Path root;

    FileSessionStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public void checkWritable() throws IOException {
        Files.createDirectories(root);
        Path probe = Files.createTempFile(root, ".probe", ".tmp");
        Files.delete(probe);
    }

    @Override
    public SessionStorage create(String sessionId) throws IOException {
        if (!isSafe(sessionId)) {
            throw new IllegalArgumentException("unsafe session id for a directory name");
        }
        return SessionSpool.create(root.resolve(sessionId));
    }

    @Override
    public SessionStorage reopen(String sessionId) throws IOException {
        return SessionSpool.reopen(existing(sessionId));
    }

    @Override
    public boolean exists(String sessionId) {
        return dir(sessionId) != null;
    }

    @Override
    public Optional<SessionManifest> manifest(String sessionId) throws IOException {
        Path dir = dir(sessionId);
        return dir == null ? Optional.empty() : ManifestFile.read(dir);
    }

    @Override
    public long readChunks(String sessionId, long maxChunks, StoredChunks.Visitor visitor) throws IOException {
        return StoredChunks.open(existing(sessionId)).read(maxChunks, visitor);
    }

    @Override
    public int readJournal(String sessionId, Consumer<SessionEvent> visitor) throws IOException {
        return SessionSpool.readJournal(existing(sessionId), visitor);
    }

    @Override
    public Instant lastWritten(String sessionId) throws IOException {
        return SessionSpool.lastWritten(existing(sessionId));
    }

    private Path existing(String sessionId) throws IOException {
        Path dir = dir(sessionId);
        if (dir == null) {
            throw new java.nio.file.NoSuchFileException("no stored session " + sessionId);
        }
        return dir;
    }

    /** The session's directory, or null when the id cannot name one or none exists. */
    private Path dir(String sessionId) {
        if (sessionId == null || !isSafe(sessionId)) {
            return null;
        }
        Path dir = root.resolve(sessionId);
        return Files.isDirectory(dir) ? dir : null;
    }

    private static boolean isSafe(String sessionId) {
        return sessionId.matches("[A-Za-z0-9_-]{1,64}");
    }
}
