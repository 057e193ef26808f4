package io.earshot.stream;

import io.earshot.audio.DecodedLength;
import io.earshot.config.EarshotConfig.Durability;
import io.earshot.config.EarshotConfig;
import io.earshot.engine.Recognition;
import io.earshot.jobs.JobRecord;
import io.earshot.jobs.JobRefusal;
import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.CloseCodes;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage.SessionEvent;
import io.earshot.protocol.ServerMessage;
import io.earshot.spool.SessionManifest;
import io.earshot.spool.SessionStorage;
import io.earshot.spool.SessionStore;
import io.earshot.telemetry.Telemetry;
import java.io.IOException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * One streaming session: the protocol's rules applied to what its attached connection sends, over the pieces that
 * do the work ({@link SessionState} for its phase, {@link SequenceTracker}, {@link AudioIntake},
 * {@link EventDelivery}, {@link FlowControl}, {@link PendingMarks}). A session outlives its connections: after a
 * disconnect it waits for a resume until its grace period ends.
 *
 * <p>Every mutable field, and every piece, is guarded by {@code this}. Nothing here does I/O to a client: messages
 * and closes are queued on the connection's {@link Outbound}, whose writer and close tasks carry them out after the
 * lock is let go. Storage is written under the lock, since an ack must follow the write it confirms.
 */
final class StreamSession {

    static final String PROTOCOL = "earshot.v1";

    /**
     * What a session left in storage, read back to bring it back after a restart ({@link SessionRestore}): the
     * session goes on from its last stored chunk and its last event.
     *
     * @param events          the newest events, oldest first, for replay
     * @param transcribedSeq  the last chunk a transcript (or skipped transcript) event covered: live transcription
     *                        goes on with the chunk after it
     * @param detachedAt      when its connection went away (at the latest, when its server did)
     * @param endedAt         when it ended, for an ended session (its replay window counts from then)
     */
    record Restored(Instant createdAt, int attempt, boolean ended, String endReason, String jobId,
            long badAudioChunks, long storedChunks, List<SessionEvent> events, long lastEventSeq, long transcribedSeq,
            Instant detachedAt, Instant endedAt) {
    }

    private final String id;
    private final byte[] tokenHash;
    /**
     * The resume token itself, in memory only (storage has its hash): named again in {@code going_away}, so that
     * a client told of a shutdown has everything it needs to resume in that one message.
     */
    private final String resumeToken;
    /** What the client's limits are counted under. */
    private final String identity;
    /** Who started the session; only the same identity may resume it or fetch its audio. */
    private final String owner;
    private final SessionSettings settings;
    private final EarshotConfig config;
    private final SessionServices services;
    private final SessionStorage storage;
    private final Instant createdAt;

    private final SessionState state;
    private final SequenceTracker tracker;
    private final Transcription transcriber;
    private final AudioIntake intake;
    private final EventDelivery events;
    private final FlowControl flow;
    private final PendingMarks marks = new PendingMarks();
    /** When the last forced flush ran ({@code durability: disk}); guarded by this. */
    private long lastForceNanos;
    /** When the oldest chunk not yet acked arrived, or 0: the ack latency metric; guarded by this. */
    private long oldestUnackedNanos;
    /** Set once the storage is closed (a shutdown, a discarded restore): no event goes out after; guarded by this. */
    private boolean storageClosed;

    StreamSession(String id, String resumeToken, String identity, String owner, SessionSettings settings,
            SessionStorage storage, SessionServices services, Restored restored) {
        SessionClock clock = services.clock();
        long now = clock.nanoTime();
        this.id = id;
        this.resumeToken = resumeToken;
        this.tokenHash = Ids.hash(resumeToken);
        this.identity = identity;
        this.owner = owner;
        this.settings = settings;
        this.config = services.config();
        this.services = services;
        this.storage = storage;
        this.lastForceNanos = now;
        this.flow = new FlowControl(config);
        EventLog log = new EventLog(config.eventBuffer);
        if (restored == null) {
            this.createdAt = clock.now();
            this.state = new SessionState(now, now);
            this.tracker = new SequenceTracker(config.window, 0);
        } else {
            this.createdAt = restored.createdAt();
            this.state = SessionState.restored(clock, restored.createdAt(), restored.attempt(), restored.jobId(),
                    restored.detachedAt(), restored.ended(), restored.endReason(), restored.endedAt());
            this.tracker = new SequenceTracker(config.window, restored.storedChunks());
            log.restore(restored.events(), restored.lastEventSeq());
        }
        this.events = new EventDelivery(log, this::journal);
        Transcription.Listener listener = new TranscriptListener();
        this.transcriber = settings.transcribe() && !state.isEnded() && !state.handedOff()
                ? services.transcribers().open(listener) : Transcription.storeOnly(listener);
        this.intake = new AudioIntake(settings, transcriber, restored == null ? 0 : restored.badAudioChunks());
    }

    String id() {
        return id;
    }

    String identity() {
        return identity;
    }

    synchronized int attempt() {
        return state.attempt();
    }

    synchronized SessionPhase phase() {
        return state.phase();
    }

    /** How far live transcription lags behind the stored audio, in milliseconds (0 when ended). */
    synchronized long engineLagMs() {
        return state.isEnded() ? 0 : transcriber.lagSamples() / 16;
    }

    synchronized boolean isEnded() {
        return state.isEnded();
    }

    synchronized boolean isAttached() {
        return state.isAttached();
    }

    /**
     * Whether a resume may take this session: {@code token} is its resume token and {@code caller} (an
     * authenticated identity's name) the one that started it.
     */
    boolean admits(String token, String caller) {
        return tokenMatches(token) && owner != null && owner.equals(caller);
    }

    boolean tokenMatches(String presented) {
        return Ids.matches(presented, tokenHash);
    }

    // ---- connections ----------------------------------------------------------------------------------

    /** First connection: answer {@code started} with the resume token (the only time it is sent). */
    synchronized void attachFirst(Connection connection) throws IOException {
        state.onAttach(connection, now());
        connection.useHeartbeat(settings.heartbeatIntervalMs());
        storage.writeManifest(manifest());
        connection.outbound().send(started(resumeToken, false, null));
        connection.outbound().holdAcksBehindQueued(); // no ack reaches the client before started
        SessionLog.info("session.started", connection, this, "codec", settings.codec().wireName(),
                "sample_rate", settings.sampleRate(), "channels", settings.channels(),
                "durability", settings.durability().wireName());
    }

    /** A reconnecting client proved it holds the token: move the session to its new connection. */
    synchronized void resume(Connection connection, long lastEventSeq) {
        Connection previous = state.attached();
        boolean takeover = previous != null && previous != connection;
        if (takeover) {
            previous.fail(Refusals.takenOver(id, connection));
        }
        if (state.isAttached()) {
            state.onDetach(state.attached(), now(), wall()); // the previous connection is going: no ack for it
        }
        if (!state.isEnded()) {
            // Make everything stored durable first; events this produces are replayed below, after started.
            forceAndAck();
        }
        state.onAttach(connection, now());
        flow.reset();
        connection.useHeartbeat(settings.heartbeatIntervalMs());
        long replayFrom = Math.max(0, Math.min(lastEventSeq, events.lastSeq()));
        ServerMessage.EventRange lost = events.resumeFrom(lastEventSeq);
        connection.outbound().send(started(null, true, lost));
        events.deliverHeld(connection);
        connection.outbound().holdAcksBehindQueued(); // no ack before started and the replayed events
        SessionLog.info("session.resumed", connection, this, "last_acked_seq", tracker.acked(),
                "replayed", events.lastSeq() - replayFrom, "took_over", takeover);
        if (state.isEnded()) {
            connection.outbound().close(CloseCodes.NORMAL, "ended");
        }
    }

    /** The connection went away; the session waits for a resume. */
    synchronized void detach(Connection connection, String why) {
        if (!state.onDetach(connection, now(), wall())) {
            return;
        }
        writeManifestQuietly();
        SessionLog.info("session.detached", connection, this, "reason", why, "last_acked_seq", tracker.acked(),
                "resumable_for_ms", state.isEnded() ? 0 : settings.resumeGraceMs());
    }

    // ---- what the client sends ------------------------------------------------------------------------

    synchronized void audio(Connection connection, AudioFrame frame) {
        if (!state.speaksFor(connection)) {
            return;
        }
        if (!state.canAcceptAudio()) {
            connection.reject(Refusals.audioAfterEnd(frame));
            return;
        }
        SequenceTracker.Verdict verdict = tracker.check(frame);
        if (verdict instanceof SequenceTracker.Duplicate) {
            connection.outbound().ack(tracker.acked());
        } else if (verdict instanceof SequenceTracker.Gap gap) {
            connection.reject(Refusals.outOfOrder(frame, gap.expectedSeq()));
        } else if (verdict instanceof SequenceTracker.BeyondWindow beyond) {
            connection.reject(Refusals.windowExceeded(frame, beyond.lastAckedSeq(), beyond.window()));
        } else if (verdict instanceof SequenceTracker.Accept accept) {
            store(connection, frame, accept.from());
        }
    }

    private void store(Connection connection, AudioFrame frame, int from) {
        int partial = intake.firstPartialChunk(frame, from);
        if (partial >= 0) {
            connection.reject(Refusals.partSamples(frame, partial, settings));
            return;
        }
        if (services.audioRate() != null) {
            long wait = services.audioRate().tryTake(identity, intake.seconds(frame, from));
            if (wait > 0) {
                connection.reject(Refusals.overAudioBudget(frame.firstSeq() + from,
                        (long) services.audioRate().perMinute(), wait));
                return;
            }
        }
        try {
            storage.append(frame, from);
        } catch (IOException e) {
            SessionLog.warn("spool.append_failed", connection, this, "error", String.valueOf(e.getMessage()));
            connection.fail(Refusals.storageFailed("append", e, tracker.acked()));
            return;
        }
        tracker.stored(frame.lastSeq());
        long now = now();
        state.onAudio(now);
        if (oldestUnackedNanos == 0) {
            oldestUnackedNanos = now;
        }
        Telemetry.sink().chunksStored(frame.count() - from, frame.payloadBytes(from));
        if (settings.durability() == Durability.OS) {
            ackUpTo(tracker.stored());
        }
        intake.decode(frame, from, (seq, length, why) -> {
            SessionLog.info("audio.bad_chunk", connection, this, "seq", seq, "bytes", length);
            connection.reject(Refusals.badAudio(seq, why));
        });
        intake.transcribedThrough(transcriber.transcribedThrough());
        updateFlow();
    }

    synchronized void mark(Connection connection, String name) {
        if (!state.speaksFor(connection)) {
            return;
        }
        if (state.isEnding()) {
            connection.reject(ServerMessage.Error.of(ErrorCode.SESSION_ENDED, "The session has ended.",
                    "mark after end"));
        } else if (!PendingMarks.validName(name)) {
            connection.reject(Refusals.markName(name));
        } else if (tracker.acked() >= tracker.stored()) {
            long seq = tracker.acked();
            emit(n -> new ServerMessage.MarkReached(n, name, seq));
        } else if (!marks.add(name, tracker.stored())) {
            connection.reject(Refusals.tooManyMarks());
        }
    }

    synchronized void pause(Connection connection) {
        if (state.speaksFor(connection)) {
            events.pause();
        }
    }

    synchronized void resumeEvents(Connection connection) {
        if (state.speaksFor(connection)) {
            events.unpause(connection);
        }
    }

    /**
     * The client's {@code end}: store and ack everything, send {@code ended}, close normally. With
     * {@code handoff} the stored audio becomes a job at once, whose id {@code ended} carries.
     */
    synchronized void end(Connection connection, ClientMessage.End end) {
        if (!state.speaksFor(connection)) {
            return;
        }
        if (state.isEnding()) {
            connection.reject(ServerMessage.Error.of(ErrorCode.SESSION_ENDED,
                    "The session has already ended.", "second end"));
            return;
        }
        if (!end.handsOff()) {
            finish("client_end", null);
            return;
        }
        try {
            handOff("client_end", false, !Boolean.FALSE.equals(end.align()), !Boolean.FALSE.equals(end.diarize()));
        } catch (JobRefusal | IOException e) {
            // ended says so: transcription incomplete and no job id; the client can hand off again by REST
            SessionLog.warn("session.handoff_failed", connection, this, "error", String.valueOf(e.getMessage()));
            completeEnd(false);
        }
    }

    /**
     * Hands the session's stored audio to a transcription job, ending the session first if it has not ended
     * (its connection, if any, gets {@code ended} with the job's id). Live transcription stops: the job
     * transcribes the whole recording. A session has one job; asking again returns it.
     *
     * @param awaitTail whether the job waits for the client's unacknowledged chunks before it is queued
     */
    synchronized JobRecord handOff(String reason, boolean awaitTail, boolean align, boolean diarize)
            throws JobRefusal, IOException {
        finish(reason, null);
        JobRecord job = services.jobs().createFromSession(id, settings.codec().wireName(), tracker.acked(), awaitTail,
                align, diarize, owner);
        state.onHandOff(job.id());
        completeEnd(false);
        return job;
    }

    // ---- time -----------------------------------------------------------------------------------------

    /**
     * Periodic work: forced flushes, the duration, idle and grace limits, the end wait. Returns true when the
     * session can be forgotten (ended, and its replay window is over).
     */
    synchronized boolean tick(long now) {
        switch (state.phase()) {
            case EXPIRED:
                return true;
            case ENDED:
                return state.due(now, settings, config.engineEndWaitMs) == SessionState.Due.REPLAY_OVER
                        && state.onExpire();
            case ENDING:
                if (state.due(now, settings, config.engineEndWaitMs) == SessionState.Due.END_WAIT_OVER) {
                    completeEnd(false);
                }
                return false;
            default:
                break;
        }
        if (settings.durability() == Durability.DISK
                && now - lastForceNanos >= TimeUnit.MILLISECONDS.toNanos(config.forceIntervalMs)) {
            lastForceNanos = now;
            forceAndAck();
        }
        // After the flush: one that fails detaches the connection (storage_failed, resume later), so no idle timeout.
        SessionState.Due due = state.due(now, settings, config.engineEndWaitMs);
        switch (due) {
            case MAX_DURATION -> finish("max_duration", ErrorCode.MAX_DURATION_REACHED);
            case IDLE_TIMEOUT -> finish("idle_timeout", ErrorCode.IDLE_TIMEOUT);
            case GRACE_OVER -> finish("abandoned", null);
            default -> updateFlow();
        }
        return false;
    }

    /**
     * Server shutdown, first step: store and ack everything received, tell the attached client
     * ({@code going_away}, with what it needs to resume or hand off) and close its connection with 1001.
     */
    synchronized void goingAway(long retryAfterMs, String handoffPath) {
        Connection c = state.attached();
        if (c == null || state.isEnded()) {
            return;
        }
        forceAndAck();
        c.outbound().send(new ServerMessage.GoingAway(id, resumeToken, tracker.acked(), events.deliveredSeq(),
                retryAfterMs, handoffPath));
        SessionLog.info("session.going_away", c, this, "last_seq", tracker.acked());
        c.requestClose(CloseCodes.GOING_AWAY, "going_away");
    }

    /** Server shutdown: keep what is stored and record where the session stood. */
    synchronized void shutdown() {
        transcriber.close();
        if (!state.isEnded()) {
            forceAndAck();
            state.onServerGone(wall()); // its connection goes with the server
            writeManifestQuietly();
        }
        closeStorage();
    }

    /** A session that could not be restored: its transcriber and storage are let go, nothing is written. */
    synchronized void discard() {
        transcriber.close();
        closeStorage();
    }

    synchronized void closeStorage() {
        storageClosed = true;
        try {
            storage.close();
        } catch (IOException e) {
            SessionLog.warn("spool.close_failed", state.attached(), this, "error", String.valueOf(e.getMessage()));
        }
    }

    /**
     * After a restore: the audio before chunk {@code transcribedSeq + 1} is counted (not decoded) so that times
     * go on from it, and the chunks after it, stored but not transcribed before the restart, are decoded and
     * transcribed again. For a session that is not transcribed, everything stored is counted.
     */
    synchronized void catchUp(SessionStore store, long transcribedSeq) throws IOException {
        long from = settings.transcribe() && !state.isEnded() && !state.handedOff() ? transcribedSeq
                : tracker.stored();
        DecodedLength before = new DecodedLength(settings.codec(), settings.sampleRate(), settings.channels());
        store.readChunks(id, tracker.stored(), (seq, data, n) -> {
            if (seq <= from) {
                before.add(data, 0, n);
                if (seq == from) {
                    intake.startAfter(before.engineSamples(), before.micros());
                }
            } else {
                intake.decode(seq, data, n, (bad, length, why) -> SessionLog.info("audio.bad_chunk", null, this,
                        "seq", bad, "bytes", length));
            }
        });
    }

    // ---- ending ---------------------------------------------------------------------------------------

    /**
     * Ends the session: no more audio is taken, everything stored is acked, and the transcription of what is
     * left goes on; {@code ended} follows when it is done, or after {@code earshot.engine.end-wait-ms}.
     */
    private void finish(String reason, ErrorCode code) {
        if (state.isEnding()) {
            return;
        }
        forceAndAck();
        state.onEnd(reason, code, now());
        Connection c = state.attached();
        if (code != null && c != null) {
            c.outbound().send(Refusals.limitReached(code, settings));
        }
        intake.finish();
        transcriber.finish();
    }

    /** The last step of ending: {@code ended}, with whether every utterance was transcribed. */
    private void completeEnd(boolean transcribed) {
        if (!state.onEnded(now(), wall())) {
            return;
        }
        Connection c = state.attached();
        if (!transcribed) {
            transcriber.close();
            if (!state.handedOff() && settings.transcribe()) {
                // Past earshot.engine.end-wait-ms: what is left is transcribed by a job of the whole recording.
                try {
                    state.onHandOff(services.jobs().createFromSession(id, settings.codec().wireName(),
                            tracker.acked(), false, true, true, owner).id());
                } catch (JobRefusal | IOException | RuntimeException e) {
                    SessionLog.warn("session.handoff_failed", c, this, "error", String.valueOf(e.getMessage()));
                }
            }
        }
        events.stopHolding();
        long chunks = tracker.acked();
        long bytes = storage.bytes();
        long audioMs = intake.audioMs();
        long bad = intake.badChunks();
        String transcription = transcribed ? "complete" : state.handedOff() ? "handed_off" : "incomplete";
        String reason = state.endReason();
        String job = state.jobId();
        emit(n -> new ServerMessage.Ended(n, reason, chunks, chunks, bytes, audioMs, bad, transcription, job));
        writeManifestQuietly();
        closeStorage();
        SessionLog.info("session.ended", c, this, "reason", reason, "chunks", chunks, "bytes", bytes,
                "audio_ms", audioMs, "bad_audio_chunks", bad, "transcription", transcription, "job_id",
                String.valueOf(job));
        if (c != null) {
            ErrorCode code = state.endCode();
            c.outbound().close(code == null ? CloseCodes.NORMAL : code.closeCode(),
                    code == null ? "ended" : code.wireName());
        }
    }

    /** Results of the session's transcriber, delivered on an engine thread. */
    private final class TranscriptListener implements Transcription.Listener {

        @Override
        public void recognized(List<Recognition> recognitions) {
            synchronized (StreamSession.this) {
                if (state.isEnded() || storageClosed) {
                    return; // an event that cannot be journaled is not sent: its number could come again
                }
                long base = intake.baseSamples();
                for (Recognition recognition : recognitions) {
                    Recognition r = base == 0 ? recognition : recognition.shifted(base / 16);
                    long from = r.startMs() * 16;
                    long to = r.endMs() * 16;
                    long firstSeq = intake.seqAt(from, tracker.stored());
                    long lastSeq = intake.seqAt(Math.max(from, to - 1), tracker.stored());
                    List<ServerMessage.TranscriptWord> words = r.words().stream()
                            .map(w -> new ServerMessage.TranscriptWord(w.word(), w.startMs(), w.endMs(), w.confidence()))
                            .toList();
                    emit(n -> new ServerMessage.Transcript(n, "final", r.text(), words, r.speaker(), r.startMs(),
                            r.endMs(), firstSeq, lastSeq, null));
                }
                intake.transcribedThrough(transcriber.transcribedThrough());
                updateFlow();
            }
        }

        @Override
        public void notTranscribed(long fromSample, long toSample, String reason) {
            synchronized (StreamSession.this) {
                if (state.isEnded() || storageClosed) {
                    return; // an event that cannot be journaled is not sent: its number could come again
                }
                long startSample = intake.baseSamples() + fromSample;
                long endSample = intake.baseSamples() + toSample;
                long firstSeq = intake.seqAt(startSample, tracker.stored());
                long lastSeq = intake.seqAt(Math.max(startSample, endSample - 1), tracker.stored());
                SessionLog.info("transcript.skipped", state.attached(), StreamSession.this, "reason", reason,
                        "first_seq", firstSeq, "last_seq", lastSeq);
                emit(n -> new ServerMessage.Transcript(n, "skipped", null, null, null, startSample / 16,
                        endSample / 16, firstSeq, lastSeq, reason));
                intake.transcribedThrough(transcriber.transcribedThrough());
            }
        }

        @Override
        public void drained() {
            synchronized (StreamSession.this) {
                if (state.isEnding()) {
                    completeEnd(true);
                }
            }
        }
    }

    // ---- acks, events, flow ---------------------------------------------------------------------------

    /**
     * Forces what is stored but not yet acked to the device and acks it; on failure the connection is told
     * and nothing more is acked.
     */
    private void forceAndAck() {
        if (tracker.stored() == tracker.acked()) {
            return;
        }
        try {
            storage.force();
        } catch (IOException e) {
            SessionLog.warn("spool.force_failed", state.attached(), this, "error", String.valueOf(e.getMessage()));
            if (state.attached() != null) {
                state.attached().fail(Refusals.storageFailed("force", e, tracker.acked()));
            }
            return;
        }
        ackUpTo(tracker.stored());
        updateFlow();
    }

    private void ackUpTo(long seq) {
        tracker.acked(seq);
        if (oldestUnackedNanos != 0) {
            Telemetry.sink().ackLatency(now() - oldestUnackedNanos);
            oldestUnackedNanos = 0;
        }
        if (state.attached() != null) {
            state.attached().outbound().ack(seq);
        }
        for (PendingMarks.Mark mark : marks.reachedBy(seq)) {
            emit(n -> new ServerMessage.MarkReached(n, mark.name(), mark.seq()));
        }
    }

    private void emit(LongFunction<SessionEvent> factory) {
        events.emit(factory, state.attached());
    }

    private void journal(SessionEvent event) {
        try {
            storage.journal(event);
        } catch (IOException e) {
            SessionLog.warn("spool.event_failed", state.attached(), this, "error", String.valueOf(e.getMessage()));
        }
    }

    private void updateFlow() {
        Connection c = state.attached();
        if (c == null) {
            return;
        }
        ServerMessage.Flow message = flow.update(tracker.unacked(), tracker.window(), c.outbound().fill(),
                transcriber.lagSamples() / 16);
        if (message != null) {
            c.outbound().send(message);
        }
    }

    // ---- messages and the manifest --------------------------------------------------------------------

    private ServerMessage.Started started(String token, boolean resumed, ServerMessage.EventRange lost) {
        return new ServerMessage.Started(PROTOCOL, id, token, resumed, state.isEnded() ? "ended" : "active",
                state.attempt(), settings.codecInfo(), settings.durability().wireName(), tracker.acked(),
                events.lastSeq(), lost, settings.heartbeatIntervalMs(), tracker.window(),
                new ServerMessage.Limits(settings.maxDurationMs(), settings.idleTimeoutMs(), settings.resumeGraceMs(),
                        config.maxBinaryPayload, config.maxTextMessage, config.eventBuffer),
                settings.features(), settings.transcribe());
    }

    private SessionManifest manifest() {
        return new SessionManifest(id, createdAt, identity, owner, settings.codec().wireName(),
                settings.sampleRate(), settings.channels(), settings.durability().wireName(), state.isEnded(),
                state.endReason(), tracker.acked(), state.attempt(), storage.bytes(),
                HexFormat.of().formatHex(tokenHash), settings.transcribe(), settings.manifestLimits(),
                events.lastSeq(), intake.badChunks(), state.jobId(), state.detachedAt(), state.endedAt());
    }

    private void writeManifestQuietly() {
        try {
            storage.writeManifest(manifest());
        } catch (IOException e) {
            SessionLog.warn("spool.metadata_failed", state.attached(), this, "error", String.valueOf(e.getMessage()));
        }
    }

    private long now() {
        return services.clock().nanoTime();
    }

    private Instant wall() {
        return services.clock().now();
    }
}
