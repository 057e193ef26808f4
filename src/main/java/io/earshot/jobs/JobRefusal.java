package io.earshot.jobs;

/**
 * A request about jobs refused: the HTTP status, a stable code and a message for the client, and for a
 * server-side limit the seconds after which trying again can help.
 */
public final class JobRefusal extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final long retryAfterSeconds;

    public JobRefusal(int status, String code, String message) {
        this(status, code, message, -1);
    }

    public JobRefusal(int status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Seconds for a {@code Retry-After} header, or negative when trying again will not help. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
