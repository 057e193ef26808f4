package io.earshot.spool;

import io.earshot.config.EarshotConfig;
import io.earshot.protocol.ServerMessage.SessionEvent;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where sessions are stored: their audio chunks, event journal and manifest, each opened by one server at a time.
 * Callers name sessions by id only; today's implementation is files ({@link FileSessionStore}).
 */
public interface SessionStore {

    /** The store the configuration names (today always the files under {@code earshot.spool.dir}). */
    static SessionStore configured(EarshotConfig config) {
        return new FileSessionStore(config.spoolDir);
    }

    /** Says where the sessions go, for the startup log. */
    String location();

    /** Throws, with a clear message, when nothing can be stored. */
    void checkWritable() throws IOException;

    /** Creates a new session's storage and takes its lock. */
    SessionStorage create(String sessionId) throws IOException;

    /**
     * Opens a stored session again to go on appending (after a restart, or another server had it): cut back to
     * its last whole chunk and event. Throws {@link SessionSpool.LockedException} when it is open elsewhere.
     */
    SessionStorage reopen(String sessionId) throws IOException;

    /** Whether a session with this id is stored (false for an id that cannot name one). */
    boolean exists(String sessionId);

    /** The session's manifest, or empty when it is not stored or has none. */
    Optional<SessionManifest> manifest(String sessionId) throws IOException;

    /**
     * Hands the stored chunks, in order from seq 1, to {@code visitor}, at most {@code maxChunks}; returns how many.
     * A session still appending is read as it stood when the reading began.
     */
    long readChunks(String sessionId, long maxChunks, StoredChunks.Visitor visitor) throws IOException;

    /** Hands every journaled event to {@code visitor}, oldest first; returns how many could not be read. */
    int readJournal(String sessionId, Consumer<SessionEvent> visitor) throws IOException;

    /** When anything of the session was last written: where it stood when its server went away unannounced. */
    Instant lastWritten(String sessionId) throws IOException;
}
