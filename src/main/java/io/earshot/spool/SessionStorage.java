package io.earshot.spool;

import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.ServerMessage.SessionEvent;
import java.io.Closeable;
import java.io.IOException;

/**
 * One session's storage while a server holds it open (and, with it, the session's lock): chunks appended in
 * order, events journaled before they are sent, and the manifest. Thread-safe.
 */
public interface SessionStorage extends Closeable {

    /** Appends chunks {@code from..count-1} of the frame; on failure nothing is counted as stored. */
    void append(AudioFrame frame, int from) throws IOException;

    /** Makes everything appended durable (the device, not only the OS). Returns the chunks now durable. */
    long force() throws IOException;

    /** Journals one event; a restored session goes on numbering after the last one journaled. */
    void journal(SessionEvent event) throws IOException;

    /** Replaces the manifest as a whole. */
    void writeManifest(SessionManifest manifest) throws IOException;

    /** Chunks stored so far. */
    long chunks();

    /** Payload bytes stored so far. */
    long bytes();
}
