package io.earshot.spool;

import io.earshot.config.EarshotConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The spool directory: one sub-directory per session, named by the session id. */
public final class AudioSpool {

    private final Path root;

    public AudioSpool(EarshotConfig config) {
        this.root = config.spoolDir.toAbsolutePath().normalize();
    }

    /** Creates the directory if needed and checks that it can be written; throws with a clear message if not. */
    public void checkWritable() throws IOException {
        Files.createDirectories(root);
        Path probe = Files.createTempFile(root, ".probe", ".tmp");
        Files.delete(probe);
    }

    public Path root() {
        return root;
    }

    /** Creates the spool of a new session. */
    public SessionSpool create(String sessionId) throws IOException {
        if (!isSafe(sessionId)) {
            throw new IllegalArgumentException("unsafe session id for a directory name");
        }
        return SessionSpool.create(root.resolve(sessionId));
    }

    /**
     * The directory of a session stored here, or null when there is none: the id could not name a session
     * directory, or no such directory exists.
     */
    public Path existing(String sessionId) {
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
