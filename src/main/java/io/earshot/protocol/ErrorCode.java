package io.earshot.protocol;

import java.util.Locale;

/**
 * The stable error codes of protocol v1 (docs/api/streaming.md, "Errors"): the name a client
 * switches on, whether retrying can help, and whether the connection closes and with which code.
 */
public enum ErrorCode {
    BAD_MESSAGE(true, false, 0),
    UNKNOWN_TYPE(true, false, 0),
    MESSAGE_TOO_LARGE(true, true, CloseCodes.TOO_BIG),
    BAD_FRAME(true, false, 0),
    PAYLOAD_TOO_LARGE(true, true, CloseCodes.TOO_BIG),
    NOT_STARTED(true, false, 0),
    ALREADY_STARTED(false, false, 0),
    SESSION_ENDED(false, false, 0),
    OUT_OF_ORDER(true, false, 0),
    WINDOW_EXCEEDED(true, false, 0),
    UNSUPPORTED_CODEC(false, false, 0),
    UNSUPPORTED_AUDIO_FORMAT(false, false, 0),
    BAD_AUDIO(false, false, 0),
    RESUME_REJECTED(false, false, 0),
    PROTOCOL_VERSION_REQUIRED(false, true, CloseCodes.PROTOCOL_ERROR),
    TOO_MANY_SESSIONS(true, true, CloseCodes.TRY_AGAIN_LATER),
    SERVER_BUSY(true, true, CloseCodes.TRY_AGAIN_LATER),
    START_TIMEOUT(true, true, CloseCodes.START_TIMEOUT),
    IDLE_TIMEOUT(false, true, CloseCodes.IDLE_TIMEOUT),
    MAX_DURATION_REACHED(false, true, CloseCodes.MAX_DURATION),
    HEARTBEAT_TIMEOUT(true, true, CloseCodes.HEARTBEAT_TIMEOUT),
    SESSION_TAKEN_OVER(false, true, CloseCodes.TAKEN_OVER),
    SLOW_CONSUMER(true, true, CloseCodes.SLOW_CONSUMER),
    HOLD_OVERFLOW(true, false, 0),
    STORAGE_FAILED(true, true, CloseCodes.INTERNAL_ERROR),
    ENGINE_UNAVAILABLE(true, true, CloseCodes.TRY_AGAIN_LATER),
    /** Fatal for connection attempts; sent non-fatal ({@code fatal: false}) for audio over the budget. */
    RATE_LIMITED(true, true, CloseCodes.TRY_AGAIN_LATER),
    /** No valid credential (none, unknown key, expired or altered token). */
    UNAUTHORIZED(false, true, CloseCodes.POLICY_VIOLATION),
    /** A valid credential without the scope this endpoint needs. */
    FORBIDDEN(false, true, CloseCodes.POLICY_VIOLATION),
    INTERNAL_ERROR(true, false, 0);

    private final boolean retryable;
    private final boolean fatal;
    private final int closeCode;

    ErrorCode(boolean retryable, boolean fatal, int closeCode) {
        this.retryable = retryable;
        this.fatal = fatal;
        this.closeCode = closeCode;
    }

    /** The name on the wire, e.g. {@code out_of_order}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the same request can succeed later (after a resume, a wait, or a correction). */
    public boolean retryable() {
        return retryable;
    }

    /** Whether the server closes the connection after sending this error. */
    public boolean fatal() {
        return fatal;
    }

    /** The WebSocket close code that follows a fatal error; 0 for non-fatal errors. */
    public int closeCode() {
        return closeCode;
    }
}
