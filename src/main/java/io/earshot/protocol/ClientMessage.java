package io.earshot.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.util.List;

/** A JSON message from client to server; {@code type} names the record. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(ClientMessage.Start.class),
    @JsonSubTypes.Type(ClientMessage.End.class),
    @JsonSubTypes.Type(ClientMessage.Ping.class),
    @JsonSubTypes.Type(ClientMessage.Pause.class),
    @JsonSubTypes.Type(ClientMessage.Resume.class),
    @JsonSubTypes.Type(ClientMessage.Mark.class)
})
public sealed interface ClientMessage {

    /** Opens a session, or resumes one when {@code resume} is present. */
    @JsonTypeName("start")
    record Start(List<String> codecs, Integer sampleRate, Integer channels, List<String> features,
            String durability, RequestedLimits limits, ResumeRequest resume, Boolean transcribe)
            implements ClientMessage {
    }

    /** Tighter limits a client may ask for; the server never loosens its own. */
    record RequestedLimits(Long maxSessionDurationMs, Long idleTimeoutMs, Long resumeGraceMs,
            Long heartbeatIntervalMs) {
    }

    /** What a reconnecting client knows of the session it resumes. */
    record ResumeRequest(String sessionId, String resumeToken, Long lastEventSeq) {
    }

    /**
     * No more audio: finish the session and close. With {@code handoff}, the stored audio becomes a transcription
     * job at once instead of being transcribed live to the end ({@code align}, {@code diarize}: the job's options,
     * true if absent).
     */
    @JsonTypeName("end")
    record End(Boolean handoff, Boolean align, Boolean diarize) implements ClientMessage {
        public End() {
            this(null, null, null);
        }

        public boolean handsOff() {
            return Boolean.TRUE.equals(handoff);
        }
    }

    /** Round-trip probe; answered with {@code pong} echoing {@code ts}. */
    @JsonTypeName("ping")
    record Ping(Long ts) implements ClientMessage {
    }

    /** Hold server events until {@code resume}. */
    @JsonTypeName("pause")
    record Pause() implements ClientMessage {
    }

    /** Release held server events. */
    @JsonTypeName("resume")
    record Resume() implements ClientMessage {
    }

    /** A named point in the audio, answered by a {@code mark} event once everything before it is acked. */
    @JsonTypeName("mark")
    record Mark(String name) implements ClientMessage {
    }
}
