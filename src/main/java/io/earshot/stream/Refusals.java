package io.earshot.stream;

import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage;
import java.io.IOException;

/** The errors a session answers with, worded once: what went wrong, what the client can do, and the detail. */
final class Refusals {

    private Refusals() {
    }

    static ServerMessage.Error audioAfterEnd(AudioFrame frame) {
        return ServerMessage.Error.of(ErrorCode.SESSION_ENDED, "The session has ended; no more audio is accepted.",
                "chunks from " + frame.firstSeq() + " refused after end").withSeq(frame.firstSeq());
    }

    static ServerMessage.Error outOfOrder(AudioFrame frame, long expectedSeq) {
        return ServerMessage.Error.of(ErrorCode.OUT_OF_ORDER,
                "Audio chunks must be sent in order without gaps; resend from the expected sequence number.",
                "frame starts at " + frame.firstSeq() + " but " + expectedSeq + " is next")
                .withSeq(frame.firstSeq()).withExpectedSeq(expectedSeq);
    }

    static ServerMessage.Error windowExceeded(AudioFrame frame, long lastAckedSeq, int window) {
        return ServerMessage.Error.of(ErrorCode.WINDOW_EXCEEDED,
                "Too many unacknowledged chunks; wait for acks before sending more.",
                "frame ends at " + frame.lastSeq() + ", beyond last ack " + lastAckedSeq + " + window " + window)
                .withSeq(frame.firstSeq()).withLastAckedSeq(lastAckedSeq).withWindow(window);
    }

    static ServerMessage.Error partSamples(AudioFrame frame, int chunk, SessionSettings settings) {
        return ServerMessage.Error.of(ErrorCode.BAD_FRAME,
                "An audio chunk does not hold whole samples; the frame was dropped.",
                "chunk " + (frame.firstSeq() + chunk) + " has " + frame.lengths()[chunk] + " bytes, not a multiple of "
                        + settings.frameBytes() + " (" + settings.codec().wireName() + ", " + settings.channels()
                        + " channel(s))")
                .withSeq(frame.firstSeq() + chunk);
    }

    static ServerMessage.Error overAudioBudget(long seq, long perMinute, long retryAfterMs) {
        return ServerMessage.Error.of(ErrorCode.RATE_LIMITED,
                "This client is sending more audio than it may; the frame was not stored: send it again later.",
                "earshot.limits.audio-seconds-per-minute=" + perMinute + " per client")
                .nonFatal().withSeq(seq).withRetryAfterMs(retryAfterMs);
    }

    static ServerMessage.Error badAudio(long seq, String why) {
        return ServerMessage.Error.of(ErrorCode.BAD_AUDIO,
                "An audio chunk could not be decoded; it is stored as received and the session goes on.",
                "chunk " + seq + ": " + why).withSeq(seq);
    }

    static ServerMessage.Error storageFailed(String operation, IOException e, long lastAckedSeq) {
        return ServerMessage.Error.of(ErrorCode.STORAGE_FAILED,
                "The server could not store audio; resume later and resend everything after the last ack.",
                operation + " failed: " + e.getClass().getSimpleName()).withLastAckedSeq(lastAckedSeq);
    }

    static ServerMessage.Error limitReached(ErrorCode code, SessionSettings settings) {
        if (code == ErrorCode.MAX_DURATION_REACHED) {
            return ServerMessage.Error.of(code,
                    "The session reached its maximum duration and has ended; start a new session to go on.",
                    "max_session_duration_ms=" + settings.maxDurationMs());
        }
        return ServerMessage.Error.of(code, "No audio arrived for too long; the session has ended.",
                "idle_timeout_ms=" + settings.idleTimeoutMs());
    }

    static ServerMessage.Error takenOver(String sessionId, Connection by) {
        return ServerMessage.Error.of(ErrorCode.SESSION_TAKEN_OVER, "This session was resumed on another connection.",
                "session " + sessionId + " resumed by connection " + by.id());
    }

    static ServerMessage.Error markName(String name) {
        return ServerMessage.Error.of(ErrorCode.BAD_MESSAGE,
                "A mark needs a \"name\" of 1 to " + PendingMarks.MAX_NAME + " characters.",
                "name length " + (name == null ? "missing" : name.length()));
    }

    static ServerMessage.Error tooManyMarks() {
        return ServerMessage.Error.of(ErrorCode.BAD_MESSAGE, "Too many marks are waiting for acks.",
                "at most " + PendingMarks.MAX_PENDING + " pending marks");
    }
}
