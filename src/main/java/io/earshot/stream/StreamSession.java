package io.earshot.stream;

import io.earshot.audio.BadAudioException;
import io.earshot.audio.PacketDecoder;
import io.earshot.audio.PcmSink;
import io.earshot.config.EarshotConfig.Durability;
import io.earshot.config.EarshotConfig;
import io.earshot.engine.Recognition;
import io.earshot.jobs.JobRecord;
import io.earshot.jobs.JobRefusal;
import io.earshot.jobs.JobService;
import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.CloseCodes;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage.SessionEvent;
import io.earshot.protocol.ServerMessage;
import io.earshot.spool.SessionSpool;
import io.earshot.transcription.EngineService;
import io.earshot.transcription.LiveTranscriber;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * One streaming session: its audio spool, sequence and event numbering, and the connection currently
 * attached to it, if any. A session outlives its connections: after a disconnect it waits for a resume
 * until its grace period ends. All state is guarded by {@code this}.
 */
final class StreamSession {

    static final String PROTOCOL = "earshot.v1";
    static final int MAX_PENDING_MARKS = 1_000;
    static final int MAX_MARK_NAME = 200;

    private record PendingMark(String name, long seq) {
    }

    private final String id;
    private final byte[] tokenHash;
    private final String identity;
    /** Who started the session; only the same identity may resume it or fetch its audio. */
    private final String owner;
    private final SessionSettings settings;
    private final EarshotConfig config;
    private final SessionSpool spool;
    private final SequenceTracker tracker;
    private final EventLog events;
    private final Instant createdAt;
    private final long createdNanos;

    private Connection attached;
    /** No more audio is taken: the end was asked for or reached; {@code ended} follows once transcribed. */
    private boolean ending;
    private ErrorCode endCode;
    private long endingNanos;
    private boolean ended;
    private String endReason;
    private int attempt;
    private long lastAudioNanos;
    private long detachedNanos;
    /** When the connection went away (wall clock), while none is attached: the grace period counts from it. */
    private Instant detachedAt;
    private long endedNanos;
    private Instant endedAt;
    private long lastForceNanos;
    /** The attached client asked to hold events. */
    private boolean paused;
    /** Highest event number handed to the attached connection. */
    private long deliveredSeq;
    /** A {@code flow slow_down} is in force on the attached connection. */
    private boolean slowDown;
    private final ArrayDeque<PendingMark> marks = new ArrayDeque<>();
    /** Decodes the stored chunks, in order, to the engine's format as they arrive. */
    private final PacketDecoder decoder;
    private byte[] scratch = new byte[0];
    private long badAudioChunks;
    /** Transcribes the decoded audio as it arrives. */
    private final LiveTranscriber transcriber;
    /** Decoded samples so far (from the session's first sample). */
    private long decodedSamples;
    /**
     * For a session restored after a restart: the samples (and microseconds) of the audio before the chunk its
     * transcriber started at, so that transcript times stay those of the whole session. 0 otherwise.
     */
    private long baseSamples;
    private long baseMicros;
    /**
     * For each stored chunk not yet behind the transcription, its sequence number and the decoded sample count
     * after it: ties a transcript's times to the chunks its audio came from.
     */
    private final ArrayDeque<long[]> chunkEnds = new ArrayDeque<>();

    /** Where a session's stored audio becomes a job. */
    private final JobService jobs;
    /** When the oldest chunk not yet acked arrived, or 0: the ack latency metric. */
    private long oldestUnackedNanos;
    /** The session's job, once handed off. */
    private String jobId;
    /** The session was handed off to a job: its remaining audio is not transcribed live. */
    private boolean handedOff;

    /**
     * The resume token itself, in memory only (the spool has its hash): named again in {@code going_away}, so that
     * a client told of a shutdown has everything it needs to resume in that one message.
     */
    private final String resumeToken;

    /**
     * What a session left on disk, read back to bring it back after a restart ({@link SessionRegistry}): the
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

    StreamSession(String id, String resumeToken, String identity, String owner, SessionSettings settings, EarshotConfig config,
            SessionSpool spool, EngineService engine, JobService jobs) {
        this(id, resumeToken, identity, owner, settings, config, spool, engine, jobs, null);
    }

    StreamSession(String id, String resumeToken, String identity, String owner, SessionSettings settings,
            EarshotConfig config, SessionSpool spool, EngineService engine, JobService jobs, Restored restored) {
        long now = System.nanoTime();
        this.createdAt = restored == null ? Instant.now() : restored.createdAt();
        this.createdNanos = restored == null ? now
                : now - TimeUnit.MILLISECONDS.toNanos(Math.max(0, Instant.now().toEpochMilli()
                        - restored.createdAt().toEpochMilli()));
        this.lastAudioNanos = now;
        this.lastForceNanos = now;
        this.detachedNanos = restored == null ? now : now - TimeUnit.MILLISECONDS.toNanos(Math.max(0,
                Instant.now().toEpochMilli() - restored.detachedAt().toEpochMilli()));
        this.detachedAt = restored == null ? null : restored.detachedAt();
        this.jobs = jobs;
        this.resumeToken = resumeToken;
        this.id = id;
        this.tokenHash = Ids.hash(resumeToken);
        this.identity = identity;
        this.owner = owner;
        this.settings = settings;
        this.config = config;
        this.spool = spool;
        this.tracker = new SequenceTracker(config.window, restored == null ? 0 : restored.storedChunks());
        this.events = new EventLog(config.eventBuffer);
        if (restored != null) {
            events.restore(restored.events(), restored.lastEventSeq());
            attempt = restored.attempt();
            jobId = restored.jobId();
            handedOff = jobId != null;
            badAudioChunks = restored.badAudioChunks();
            if (restored.ended()) {
                ending = true;
                ended = true;
                endReason = restored.endReason();
                endedAt = restored.endedAt();
                endedNanos = now - TimeUnit.MILLISECONDS.toNanos(Math.max(0, Instant.now().toEpochMilli()
                        - endedAt.toEpochMilli()));
            }
        }
        this.transcriber = settings.transcribe() && !ended && !handedOff ? engine.open(new TranscriptListener())
                : LiveTranscriber.storeOnly(new TranscriptListener());
        PcmSink decoded = (samples, offset, length) -> {
            decodedSamples += length;
            transcriber.accept(samples, offset, length);
        };
        this.decoder = settings.codec().newDecoder(settings.sampleRate(), settings.channels(), decoded);
    }

    String id() {
        return id;
    }

    String identity() {
        return identity;
    }

    synchronized int attempt() {
        return attempt;
    }

    /** How far live transcription lags behind the stored audio, in milliseconds (0 when ended). */
    synchronized long engineLagMs() {
        return ended ? 0 : transcriber.lagSamples() / 16;
    }

    synchronized boolean isEnded() {
        return ended;
    }

    synchronized boolean isAttached() {
        return attached != null;
    }

    /** Whether {@code who} (an authenticated identity's name) started this session. */
    boolean ownedBy(String who) {
        return owner != null && owner.equals(who);
    }

    boolean tokenMatches(String presented) {
        return Ids.matches(presented, tokenHash);
    }

    /** First connection: answer {@code started} with the resume token (the only time it is sent). */
    synchronized void attachFirst(Connection connection, String resumeToken) throws IOException {
        attempt = 1;
        attached = connection;
        connection.useHeartbeat(settings.heartbeatIntervalMs());
        writeMetadata();
        connection.outbound().send(started(resumeToken, false, null));
        SessionLog.info("session.started", connection, this, "codec", settings.codec().wireName(),
                "sample_rate", settings.sampleRate(), "channels", settings.channels(),
                "durability", settings.durability().wireName());
    }

    /** A reconnecting client proved it holds the token: move the session to its new connection. */
    synchronized void resume(Connection connection, long lastEventSeq) {
        Connection previous = attached;
        if (previous != null && previous != connection) {
            previous.fail(ServerMessage.Error.of(ErrorCode.SESSION_TAKEN_OVER,
                    "This session was resumed on another connection.",
                    "session " + id + " resumed by connection " + connection.id()));
        }
        attached = null;
        if (!ended) {
            // Make everything stored durable first; events this produces are replayed below, after started.
            forceAndAck();
        }
        attempt++;
        attached = connection;
        detachedAt = null;
        lastAudioNanos = System.nanoTime();
        paused = false;
        slowDown = false;
        connection.useHeartbeat(settings.heartbeatIntervalMs());
        long seen = Math.max(0, Math.min(lastEventSeq, events.lastSeq()));
        ServerMessage.EventRange lost = null;
        long firstKept = events.firstKeptSeq();
        if (seen + 1 < firstKept) {
            lost = new ServerMessage.EventRange(seen + 1, firstKept - 1);
        }
        connection.outbound().send(started(null, true, lost));
        deliveredSeq = seen;
        deliverHeld();
        SessionLog.info("session.resumed", connection, this, "last_acked_seq", tracker.acked(),
                "replayed", events.lastSeq() - seen, "took_over", previous != null && previous != connection);
        if (ended) {
            connection.outbound().close(CloseCodes.NORMAL, "ended");
        }
    }

    /** The connection went away; the session waits for a resume. */
    synchronized void detach(Connection connection, String why) {
        if (attached != connection) {
            return;
        }
        attached = null;
        detachedNanos = System.nanoTime();
        detachedAt = Instant.now();
        writeMetadataQuietly();
        SessionLog.info("session.detached", connection, this, "reason", why, "last_acked_seq", tracker.acked(),
                "resumable_for_ms", ended ? 0 : settings.resumeGraceMs());
    }

    synchronized void audio(Connection connection, AudioFrame frame) {
        if (attached != connection) {
            return;
        }
        if (ending) {
            connection.reject(ServerMessage.Error.of(ErrorCode.SESSION_ENDED,
                    "The session has ended; no more audio is accepted.", "chunks from " + frame.firstSeq()
                            + " refused after end").withSeq(frame.firstSeq()));
            return;
        }
        SequenceTracker.Verdict verdict = tracker.check(frame);
        if (verdict instanceof SequenceTracker.Duplicate) {
            connection.outbound().ack(tracker.acked());
        } else if (verdict instanceof SequenceTracker.Gap gap) {
            connection.reject(ServerMessage.Error.of(ErrorCode.OUT_OF_ORDER,
                    "Audio chunks must be sent in order without gaps; resend from the expected sequence number.",
                    "frame starts at " + frame.firstSeq() + " but " + gap.expectedSeq() + " is next")
                    .withSeq(frame.firstSeq()).withExpectedSeq(gap.expectedSeq()));
        } else if (verdict instanceof SequenceTracker.BeyondWindow beyond) {
            connection.reject(ServerMessage.Error.of(ErrorCode.WINDOW_EXCEEDED,
                    "Too many unacknowledged chunks; wait for acks before sending more.",
                    "frame ends at " + frame.lastSeq() + ", beyond last ack " + beyond.lastAckedSeq()
                            + " + window " + beyond.window())
                    .withSeq(frame.firstSeq()).withLastAckedSeq(beyond.lastAckedSeq()).withWindow(beyond.window()));
        } else if (verdict instanceof SequenceTracker.Accept accept) {
            store(connection, frame, accept.from());
        }
    }

    /** Audio seconds each client may send a minute ({@code earshot.limits.audio-seconds-per-minute}). */
    private io.earshot.security.RateLimiter audioRate;

    void audioRate(io.earshot.security.RateLimiter limiter) {
        this.audioRate = limiter;
    }

    /** The audio seconds in the frame's chunks from {@code from}, as the decoder will count them. */
    private double seconds(AudioFrame frame, int from) {
        io.earshot.audio.DecodedLength length = new io.earshot.audio.DecodedLength(settings.codec(),
                settings.sampleRate(), settings.channels());
        for (int i = from; i < frame.count(); i++) {
            int n = frame.lengths()[i];
            if (scratch.length < n) {
                scratch = new byte[Math.max(n, 2 * scratch.length)];
            }
            frame.payload(i).get(scratch, 0, n);
            length.add(scratch, 0, n);
        }
        return length.micros() / 1e6;
    }

    private void store(Connection connection, AudioFrame frame, int from) {
        int frameBytes = settings.frameBytes();
        for (int i = from; i < frame.count(); i++) {
            if (frame.lengths()[i] % frameBytes != 0) {
                connection.reject(ServerMessage.Error.of(ErrorCode.BAD_FRAME,
                        "An audio chunk does not hold whole samples; the frame was dropped.",
                        "chunk " + (frame.firstSeq() + i) + " has " + frame.lengths()[i] + " bytes, not a multiple of "
                                + frameBytes + " (" + settings.codec().wireName() + ", " + settings.channels() + " channel(s))")
                        .withSeq(frame.firstSeq() + i));
                return;
            }
        }
        if (audioRate != null) {
            long wait = audioRate.tryTake(identity, seconds(frame, from));
            if (wait > 0) {
                connection.reject(ServerMessage.Error.of(ErrorCode.RATE_LIMITED,
                        "This client is sending more audio than it may; the frame was not stored: send it again later.",
                        "earshot.limits.audio-seconds-per-minute=" + (long) audioRate.perMinute() + " per client")
                        .nonFatal().withSeq(frame.firstSeq() + from).withRetryAfterMs(wait));
                return;
            }
        }
        try {
            spool.append(frame, from);
        } catch (IOException e) {
            SessionLog.warn("spool.append_failed", connection, this, "error", String.valueOf(e.getMessage()));
            connection.fail(storageFailed("append", e));
            return;
        }
        tracker.stored(frame.lastSeq());
        lastAudioNanos = System.nanoTime();
        if (oldestUnackedNanos == 0) {
            oldestUnackedNanos = lastAudioNanos;
        }
        io.earshot.telemetry.Telemetry.sink().chunksStored(frame.count() - from, frame.payloadBytes(from));
        if (settings.durability() == Durability.OS) {
            ackUpTo(tracker.stored());
        }
        decode(connection, frame, from);
        forgetChunksBefore(baseSamples + transcriber.transcribedThrough());
        updateFlow();
    }

    /**
     * Decodes the chunks just stored. A chunk that does not decode stays stored (the spool keeps what was
     * received) and gets a non-fatal {@code bad_audio}; the stream goes on with the next chunk.
     */
    private void decode(Connection connection, AudioFrame frame, int from) {
        for (int i = from; i < frame.count(); i++) {
            int length = frame.lengths()[i];
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, 2 * scratch.length)];
            }
            frame.payload(i).get(scratch, 0, length);
            decodeChunk(connection, frame.firstSeq() + i, scratch, length);
        }
    }

    /** Decodes one stored chunk; a chunk that does not decode is counted and, with a connection, reported. */
    private void decodeChunk(Connection connection, long seq, byte[] data, int length) {
        try {
            decoder.decode(data, 0, length);
            chunkEnds.addLast(new long[] {seq, decodedSamples});
        } catch (BadAudioException e) {
            chunkEnds.addLast(new long[] {seq, decodedSamples});
            badAudioChunks++;
            SessionLog.info("audio.bad_chunk", connection, this, "seq", seq, "bytes", length);
            if (connection != null) {
                connection.reject(ServerMessage.Error.of(ErrorCode.BAD_AUDIO,
                        "An audio chunk could not be decoded; it is stored as received and the session goes on.",
                        "chunk " + seq + ": " + e.getMessage()).withSeq(seq));
            }
        }
    }

    /**
     * After a restore: the audio before chunk {@code transcribedSeq + 1} is counted (not decoded) so that times
     * go on from it, and the chunks after it, stored but not transcribed before the restart, are decoded and
     * transcribed again. For a session that is not transcribed, everything stored is counted.
     */
    synchronized void catchUp(java.nio.file.Path dir, long transcribedSeq) throws IOException {
        long from = settings.transcribe() && !ended && !handedOff ? transcribedSeq : tracker.stored();
        io.earshot.audio.DecodedLength before = new io.earshot.audio.DecodedLength(settings.codec(),
                settings.sampleRate(), settings.channels());
        io.earshot.spool.StoredChunks.open(dir).read(tracker.stored(), (seq, data, n) -> {
            if (seq <= from) {
                before.add(data, 0, n);
                if (seq == from) {
                    baseSamples = before.engineSamples();
                    baseMicros = before.micros();
                    decodedSamples = baseSamples;
                }
            } else {
                decodeChunk(null, seq, data, n);
            }
        });
    }

    synchronized void mark(Connection connection, String name) {
        if (attached != connection) {
            return;
        }
        if (ending) {
            connection.reject(ServerMessage.Error.of(ErrorCode.SESSION_ENDED,
                    "The session has ended.", "mark after end"));
            return;
        }
        if (name == null || name.isEmpty() || name.length() > MAX_MARK_NAME) {
            connection.reject(ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                    "A mark needs a \"name\" of 1 to " + MAX_MARK_NAME + " characters.",
                    "name length " + (name == null ? "missing" : name.length())));
            return;
        }
        if (tracker.acked() >= tracker.stored()) {
            long seq = tracker.acked();
            emit(n -> new ServerMessage.MarkReached(n, name, seq));
        } else if (marks.size() >= MAX_PENDING_MARKS) {
            connection.reject(ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                    "Too many marks are waiting for acks.", "at most " + MAX_PENDING_MARKS + " pending marks"));
        } else {
            marks.add(new PendingMark(name, tracker.stored()));
        }
    }

    synchronized void pause(Connection connection) {
        if (attached == connection) {
            paused = true;
        }
    }

    synchronized void resumeEvents(Connection connection) {
        if (attached == connection) {
            paused = false;
            deliverHeld();
        }
    }

    /**
     * The client's {@code end}: store and ack everything, send {@code ended}, close normally. With
     * {@code handoff} the stored audio becomes a job at once, whose id {@code ended} carries.
     */
    synchronized void end(Connection connection, ClientMessage.End end) {
        if (attached != connection) {
            return;
        }
        if (ending) {
            connection.reject(ServerMessage.Error.of(ErrorCode.SESSION_ENDED,
                    "The session has already ended.", "second end"));
            return;
        }
        if (end.handsOff()) {
            try {
                handOff("client_end", false, !Boolean.FALSE.equals(end.align()), !Boolean.FALSE.equals(end.diarize()));
            } catch (JobRefusal | IOException e) {
                // ended says so: transcription incomplete and no job id; the client can hand off again by REST
                SessionLog.warn("session.handoff_failed", attached, this, "error", String.valueOf(e.getMessage()));
                completeEnd(false);
            }
            return;
        }
        finish("client_end", null);
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
        if (!ending) {
            finish(reason, null);
        }
        JobRecord job = jobs.createFromSession(id, settings.codec().wireName(), tracker.acked(), awaitTail, align,
                diarize, owner);
        jobId = job.id();
        if (!ended) {
            handedOff = true;
            completeEnd(false);
        }
        return job;
    }

    /**
     * Periodic work: forced flushes, the duration, idle and grace limits. Returns true when the session can
     * be forgotten (ended, and its replay window is over).
     */
    synchronized boolean tick(long now) {
        if (ended) {
            return attached == null && now - endedNanos > ms(settings.resumeGraceMs());
        }
        if (ending) {
            if (now - endingNanos > ms(config.engineEndWaitMs)) {
                completeEnd(false);
            }
            return false;
        }
        if (settings.durability() == Durability.DISK && now - lastForceNanos >= ms(config.forceIntervalMs)) {
            lastForceNanos = now;
            forceAndAck();
        }
        if (now - createdNanos > ms(settings.maxDurationMs())) {
            finish("max_duration", ErrorCode.MAX_DURATION_REACHED);
        } else if (attached != null && now - lastAudioNanos > ms(settings.idleTimeoutMs())) {
            finish("idle_timeout", ErrorCode.IDLE_TIMEOUT);
        } else if (attached == null && now - detachedNanos > ms(settings.resumeGraceMs())) {
            finish("abandoned", null);
        } else {
            updateFlow();
        }
        return false;
    }

    /**
     * Server shutdown, first step: store and ack everything received, tell the attached client
     * ({@code going_away}, with what it needs to resume or hand off) and close its connection with 1001.
     */
    synchronized void goingAway(long retryAfterMs, String handoffPath) {
        if (attached == null || ended) {
            return;
        }
        forceAndAck();
        Connection c = attached;
        c.outbound().send(new ServerMessage.GoingAway(id, resumeToken, tracker.acked(), deliveredSeq, retryAfterMs,
                handoffPath));
        SessionLog.info("session.going_away", c, this, "last_seq", tracker.acked());
        c.requestClose(CloseCodes.GOING_AWAY, "going_away");
    }

    /** Server shutdown: keep what is stored and record where the session stood. */
    synchronized void shutdown() {
        transcriber.close();
        if (!ended) {
            forceAndAck();
            if (attached != null) {
                detachedAt = Instant.now(); // its connection goes with the server
            }
            writeMetadataQuietly();
        }
        closeSpool();
    }

    /** A session that could not be restored: its transcriber and files are let go, nothing is written. */
    synchronized void discard() {
        transcriber.close();
        closeSpool();
    }

    synchronized void closeSpool() {
        try {
            spool.close();
        } catch (IOException e) {
            SessionLog.warn("spool.close_failed", attached, this, "error", String.valueOf(e.getMessage()));
        }
    }

    /**
     * Ends the session: no more audio is taken, everything stored is acked, and the transcription of what is
     * left goes on; {@code ended} follows when it is done, or after {@code earshot.engine.end-wait-ms}.
     */
    private void finish(String reason, ErrorCode code) {
        if (ending) {
            return;
        }
        ServerMessage.Error error = code == null ? null : endError(code);
        forceAndAck();
        ending = true;
        endReason = reason;
        endCode = code;
        endingNanos = System.nanoTime();
        if (error != null && attached != null) {
            attached.outbound().send(error);
        }
        decoder.finish();
        transcriber.finish();
    }

    /** The last step of ending: {@code ended}, with whether every utterance was transcribed. */
    private void completeEnd(boolean transcribed) {
        if (ended) {
            return;
        }
        ended = true;
        endedNanos = System.nanoTime();
        endedAt = Instant.now();
        if (!transcribed) {
            transcriber.close();
            if (jobId == null && settings.transcribe()) {
                // Past earshot.engine.end-wait-ms: what is left is transcribed by a job of the whole recording.
                try {
                    jobId = jobs.createFromSession(id, settings.codec().wireName(), tracker.acked(), false, true,
                            true, owner).id();
                    handedOff = true;
                } catch (JobRefusal | IOException | RuntimeException e) {
                    SessionLog.warn("session.handoff_failed", attached, this, "error", String.valueOf(e.getMessage()));
                }
            }
        }
        paused = false;
        long chunks = tracker.acked();
        long bytes = spool.bytes();
        long audioMs = (baseMicros + decoder.decodedMicros()) / 1000;
        long bad = badAudioChunks;
        String transcription = transcribed ? "complete" : handedOff ? "handed_off" : "incomplete";
        String reason = endReason;
        String job = jobId;
        emit(n -> new ServerMessage.Ended(n, reason, chunks, chunks, bytes, audioMs, bad, transcription, job));
        writeMetadataQuietly();
        closeSpool();
        SessionLog.info("session.ended", attached, this, "reason", reason, "chunks", chunks, "bytes", bytes,
                "audio_ms", audioMs, "bad_audio_chunks", bad, "transcription", transcription, "job_id",
                String.valueOf(job));
        if (attached != null) {
            attached.outbound().close(endCode == null ? CloseCodes.NORMAL : endCode.closeCode(),
                    endCode == null ? "ended" : endCode.wireName());
        }
    }

    /** Results of the session's transcriber, delivered on an engine thread. */
    private final class TranscriptListener implements LiveTranscriber.Listener {

        @Override
        public void recognized(long startSample, long endSample, List<Recognition> recognitions) {
            synchronized (StreamSession.this) {
                if (ended) {
                    return;
                }
                for (Recognition recognition : recognitions) {
                    Recognition r = baseSamples == 0 ? recognition : recognition.shifted(baseSamples / 16);
                    long from = r.startMs() * 16;
                    long to = r.endMs() * 16;
                    long firstSeq = seqAt(from);
                    long lastSeq = seqAt(Math.max(from, to - 1));
                    List<ServerMessage.TranscriptWord> words = r.words().stream()
                            .map(w -> new ServerMessage.TranscriptWord(w.word(), w.startMs(), w.endMs(), w.confidence()))
                            .toList();
                    emit(n -> new ServerMessage.Transcript(n, "final", r.text(), words, r.speaker(), r.startMs(),
                            r.endMs(), firstSeq, lastSeq, null));
                }
                forgetChunksBefore(baseSamples + transcriber.transcribedThrough());
                updateFlow();
            }
        }

        @Override
        public void notTranscribed(long fromSample, long toSample, String reason) {
            synchronized (StreamSession.this) {
                if (ended) {
                    return;
                }
                long startSample = baseSamples + fromSample;
                long endSample = baseSamples + toSample;
                long firstSeq = seqAt(startSample);
                long lastSeq = seqAt(Math.max(startSample, endSample - 1));
                SessionLog.info("transcript.skipped", attached, StreamSession.this, "reason", reason,
                        "first_seq", firstSeq, "last_seq", lastSeq);
                emit(n -> new ServerMessage.Transcript(n, "skipped", null, null, null, startSample / 16,
                        endSample / 16, firstSeq, lastSeq, reason));
                forgetChunksBefore(baseSamples + transcriber.transcribedThrough());
            }
        }

        @Override
        public void drained() {
            synchronized (StreamSession.this) {
                if (ending) {
                    completeEnd(true);
                }
            }
        }
    }

    /** The sequence number of the chunk whose decoded audio holds sample {@code sample}. */
    private long seqAt(long sample) {
        for (long[] c : chunkEnds) {
            if (c[1] > sample) {
                return c[0];
            }
        }
        return chunkEnds.isEmpty() ? tracker.stored() : chunkEnds.peekLast()[0];
    }

    /** Drops the chunk ends that no transcript can need any more: those wholly before {@code sample}. */
    private void forgetChunksBefore(long sample) {
        while (chunkEnds.size() > 1 && chunkEnds.peekFirst()[1] <= sample) {
            chunkEnds.removeFirst();
        }
    }

    private ServerMessage.Error endError(ErrorCode code) {
        if (code == ErrorCode.MAX_DURATION_REACHED) {
            return ServerMessage.Error.of(code,
                    "The session reached its maximum duration and has ended; start a new session to go on.",
                    "max_session_duration_ms=" + settings.maxDurationMs());
        }
        return ServerMessage.Error.of(code, "No audio arrived for too long; the session has ended.",
                "idle_timeout_ms=" + settings.idleTimeoutMs());
    }

    private ServerMessage.Error storageFailed(String operation, IOException e) {
        return ServerMessage.Error.of(ErrorCode.STORAGE_FAILED,
                "The server could not store audio; resume later and resend everything after the last ack.",
                operation + " failed: " + e.getClass().getSimpleName()).withLastAckedSeq(tracker.acked());
    }

    /**
     * Forces what is stored but not yet acked to the device and acks it; on failure the connection is told
     * and nothing more is acked.
     */
    private void forceAndAck() {
        if (tracker.stored() == tracker.acked()) {
            return;
        }
        try {
            spool.force();
        } catch (IOException e) {
            SessionLog.warn("spool.force_failed", attached, this, "error", String.valueOf(e.getMessage()));
            if (attached != null) {
                attached.fail(storageFailed("force", e));
            }
            return;
        }
        ackUpTo(tracker.stored());
        updateFlow();
    }

    private void ackUpTo(long seq) {
        tracker.acked(seq);
        if (oldestUnackedNanos != 0) {
            io.earshot.telemetry.Telemetry.sink().ackLatency(System.nanoTime() - oldestUnackedNanos);
            oldestUnackedNanos = 0;
        }
        if (attached != null) {
            attached.outbound().ack(seq);
        }
        while (!marks.isEmpty() && marks.peekFirst().seq() <= seq) {
            PendingMark mark = marks.removeFirst();
            emit(n -> new ServerMessage.MarkReached(n, mark.name(), mark.seq()));
        }
    }

    private void emit(LongFunction<SessionEvent> factory) {
        SessionEvent event = events.append(factory);
        try {
            // Journaled before it is sent: after a restart the session's events go on from here, none twice.
            spool.appendEvent(io.earshot.protocol.Json.write(event));
        } catch (IOException e) {
            SessionLog.warn("spool.event_failed", attached, this, "error", String.valueOf(e.getMessage()));
        }
        if (attached == null) {
            return;
        }
        if (!paused) {
            deliverHeld();
        } else if (event.eventSeq() - deliveredSeq >= events.capacity()) {
            attached.reject(ServerMessage.Error.of(ErrorCode.HOLD_OVERFLOW,
                    "Too many events were held while paused; delivery has resumed so none is lost.",
                    "held " + (event.eventSeq() - deliveredSeq) + " events, event buffer holds "
                            + events.capacity()));
            paused = false;
            deliverHeld();
        }
    }

    private void deliverHeld() {
        if (attached == null) {
            return;
        }
        for (SessionEvent e : events.after(deliveredSeq)) {
            if (!attached.outbound().send(e)) {
                return;
            }
            deliveredSeq = e.eventSeq();
        }
    }

    private void updateFlow() {
        if (attached == null) {
            return;
        }
        double ackBacklog = tracker.unacked() / (double) tracker.window();
        double sendBacklog = attached.outbound().fill();
        long lagMs = transcriber.lagSamples() / 16;
        double engineBacklog = lagMs / (double) config.engineMaxLagMs;
        double level = Math.max(Math.max(ackBacklog, sendBacklog), engineBacklog);
        String reason = engineBacklog >= Math.max(ackBacklog, sendBacklog) ? "engine_lag"
                : ackBacklog >= sendBacklog ? "ack_backlog" : "send_backlog";
        if (!slowDown && level >= config.flowHighWater) {
            slowDown = true;
            attached.outbound().send(new ServerMessage.Flow("slow_down", reason, tracker.unacked(), tracker.window(),
                    lagMs));
        } else if (slowDown && level <= config.flowLowWater) {
            slowDown = false;
            attached.outbound().send(new ServerMessage.Flow("ok", reason, tracker.unacked(), tracker.window(),
                    lagMs));
        }
    }

    private ServerMessage.Started started(String resumeToken, boolean resumed, ServerMessage.EventRange lost) {
        return new ServerMessage.Started(PROTOCOL, id, resumeToken, resumed, ended ? "ended" : "active", attempt,
                settings.codecInfo(), settings.durability().wireName(), tracker.acked(), events.lastSeq(), lost,
                settings.heartbeatIntervalMs(), tracker.window(),
                new ServerMessage.Limits(settings.maxDurationMs(), settings.idleTimeoutMs(), settings.resumeGraceMs(),
                        config.maxBinaryPayload, config.maxTextMessage, config.eventBuffer),
                settings.features(), settings.transcribe());
    }

    private void writeMetadataQuietly() {
        try {
            writeMetadata();
        } catch (IOException e) {
            SessionLog.warn("spool.metadata_failed", attached, this, "error", String.valueOf(e.getMessage()));
        }
    }

    private void writeMetadata() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", id);
        m.put("created_at", createdAt.toString());
        m.put("client", identity);
        m.put("owner", owner);
        m.put("codec", settings.codec().wireName());
        m.put("sample_rate", settings.sampleRate());
        m.put("channels", settings.channels());
        m.put("durability", settings.durability().wireName());
        m.put("state", ended ? "ended" : "active");
        m.put("end_reason", endReason);
        m.put("last_seq", tracker.acked());
        m.put("attempts", attempt);
        m.put("bytes", spool.bytes());
        m.put("resume_token_sha256", HexFormat.of().formatHex(tokenHash));
        m.put("transcribe", settings.transcribe());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_session_duration_ms", settings.maxDurationMs());
        limits.put("idle_timeout_ms", settings.idleTimeoutMs());
        limits.put("resume_grace_ms", settings.resumeGraceMs());
        limits.put("heartbeat_interval_ms", settings.heartbeatIntervalMs());
        m.put("limits", limits);
        m.put("last_event_seq", events.lastSeq());
        m.put("bad_audio_chunks", badAudioChunks);
        m.put("job_id", jobId);
        m.put("detached_at", detachedAt == null ? null : detachedAt.toString());
        m.put("ended_at", endedAt == null ? null : endedAt.toString());
        spool.writeMetadata(m);
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
