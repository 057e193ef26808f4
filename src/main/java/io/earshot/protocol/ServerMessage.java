package io.earshot.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.util.List;

/** A JSON message from server to client; {@code type} names the record. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(ServerMessage.Started.class),
    @JsonSubTypes.Type(ServerMessage.Ack.class),
    @JsonSubTypes.Type(ServerMessage.Heartbeat.class),
    @JsonSubTypes.Type(ServerMessage.Pong.class),
    @JsonSubTypes.Type(ServerMessage.GoingAway.class),
    @JsonSubTypes.Type(ServerMessage.Flow.class),
    @JsonSubTypes.Type(ServerMessage.Error.class),
    @JsonSubTypes.Type(ServerMessage.MarkReached.class),
    @JsonSubTypes.Type(ServerMessage.Ended.class),
    @JsonSubTypes.Type(ServerMessage.Transcript.class)
})
public sealed interface ServerMessage {

    /**
     * A message that belongs to the session rather than the connection: numbered by {@code event_seq},
     * kept for replay, and delivered exactly once across resumes.
     */
    sealed interface SessionEvent extends ServerMessage {
        long eventSeq();
    }

    /** The session is open (or resumed); everything the client needs to stream. */
    @JsonTypeName("started")
    record Started(String protocol, String sessionId, String resumeToken, boolean resumed, String state,
            int attempt, Codec codec, String durability, long lastAckedSeq, long lastEventSeq,
            EventRange eventsUnavailable, long heartbeatIntervalMs, int window, Limits limits,
            List<String> features, boolean transcribe) implements ServerMessage {
    }

    /** The negotiated audio format. */
    record Codec(String name, int sampleRate, int channels) {
    }

    /** Event numbers a resuming client missed that are no longer kept. */
    record EventRange(long from, long to) {
    }

    /** The limits in force for this session. */
    record Limits(long maxSessionDurationMs, long idleTimeoutMs, long resumeGraceMs, int maxBinaryPayload,
            int maxTextMessage, int eventBuffer) {
    }

    /** Every chunk up to and including {@code seq} is stored. */
    @JsonTypeName("ack")
    record Ack(long seq) implements ServerMessage {
    }

    /** Sent every heartbeat interval so the client can tell a live server from a silent one. */
    @JsonTypeName("heartbeat")
    record Heartbeat(long serverTs) implements ServerMessage {
    }

    /**
     * The server is shutting down: everything received is stored and acked ({@code last_seq}); resume the
     * session with its token after {@code retry_after_ms}, or hand it off to a job. A connection message, not a
     * session event.
     */
    @JsonTypeName("going_away")
    record GoingAway(String sessionId, String resumeToken, long lastSeq, long lastEventSeq, long retryAfterMs,
            String handoff) implements ServerMessage {
    }

    /** Answer to {@code ping}. */
    @JsonTypeName("pong")
    record Pong(Long ts, long serverTs) implements ServerMessage {
    }

    /** Asks the client to send audio more slowly ({@code slow_down}) or says it may go on ({@code ok}). */
    @JsonTypeName("flow")
    record Flow(String state, String reason, int unacked, int window, long lagMs) implements ServerMessage {
    }

    /** A refusal: stable code, human message, technical detail, and whether retrying can help. */
    @JsonTypeName("error")
    record Error(String code, String message, String detail, boolean retryable, boolean fatal, Long seq,
            Long expectedSeq, Long lastAckedSeq, Integer window, Long retryAfterMs, List<String> supported)
            implements ServerMessage {

        public static Error of(ErrorCode code, String message, String detail) {
            return new Error(code.wireName(), message, detail, code.retryable(), code.fatal(),
                    null, null, null, null, null, null);
        }

        public Error withSeq(long value) {
            return new Error(code, message, detail, retryable, fatal, value, expectedSeq, lastAckedSeq, window,
                    retryAfterMs, supported);
        }

        public Error withExpectedSeq(long value) {
            return new Error(code, message, detail, retryable, fatal, seq, value, lastAckedSeq, window,
                    retryAfterMs, supported);
        }

        public Error withLastAckedSeq(long value) {
            return new Error(code, message, detail, retryable, fatal, seq, expectedSeq, value, window,
                    retryAfterMs, supported);
        }

        public Error withWindow(int value) {
            return new Error(code, message, detail, retryable, fatal, seq, expectedSeq, lastAckedSeq, value,
                    retryAfterMs, supported);
        }

        /** The same error, not closing the connection. */
        public Error nonFatal() {
            return new Error(code, message, detail, retryable, false, seq, expectedSeq, lastAckedSeq, window,
                    retryAfterMs, supported);
        }

        public Error withRetryAfterMs(long value) {
            return new Error(code, message, detail, retryable, fatal, seq, expectedSeq, lastAckedSeq, window,
                    value, supported);
        }

        public Error withSupported(List<String> value) {
            return new Error(code, message, detail, retryable, fatal, seq, expectedSeq, lastAckedSeq, window,
                    retryAfterMs, List.copyOf(value));
        }
    }

    /** A client {@code mark} has been reached: all audio before it is acked. */
    @JsonTypeName("mark")
    record MarkReached(long eventSeq, String name, long seq) implements SessionEvent {
    }

    /** The session is over; totals of what the server holds. */
    @JsonTypeName("ended")
    record Ended(long eventSeq, String reason, long lastSeq, long chunks, long bytes, long audioMs,
            long badAudioChunks, String transcription, String jobId)
            implements SessionEvent {

        public Ended(long eventSeq, String reason, long lastSeq, long chunks, long bytes, long audioMs,
                long badAudioChunks, String transcription) {
            this(eventSeq, reason, lastSeq, chunks, bytes, audioMs, badAudioChunks, transcription, null);
        }
    }

    /**
     * What the engine made of one utterance ({@code status} {@code final}), or why an utterance was not
     * transcribed ({@code skipped}, with {@code reason}). Times are milliseconds of the session's audio from its
     * first sample; {@code first_seq}..{@code last_seq} are the chunks the utterance's audio came from.
     */
    @JsonTypeName("transcript")
    record Transcript(long eventSeq, String status, String text, List<TranscriptWord> words, String speaker,
            long startMs, long endMs, long firstSeq, long lastSeq, String reason) implements SessionEvent {
    }

    /** One word of a transcript, with its times and the engine's confidence (0 to 1) where it has one. */
    record TranscriptWord(String word, long startMs, long endMs, Double confidence) {
    }
}
