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
        if (!sessionId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("unsafe session id for a directory name");
        }
        return SessionSpool.create(root.resolve(sessionId));
    }
}
