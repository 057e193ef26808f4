/**
 * Session storage: {@link io.earshot.spool.SessionStore} (every stored session) and
 * {@link io.earshot.spool.SessionStorage} (one session held open, under its lock), with the
 * {@link io.earshot.spool.SessionManifest} a session records about itself. Callers name sessions by id and never
 * learn how they are stored.
 *
 * <p>Today's implementation is files under {@code earshot.spool.dir}, one directory per session; each file's format
 * has one class: {@code session.json} {@link io.earshot.spool.ManifestFile}, {@code events.jsonl} and the lock
 * {@link io.earshot.spool.SessionSpool}, {@code audio.raw}/{@code chunks.idx} {@link io.earshot.spool.StoredChunks}
 * (a job's hand-off tail is stored by it too, in the job's directory). Imports only
 * {@code protocol}, {@code config} and {@code security} (for the anonymous caller's name).
 */
package io.earshot.spool;
