package io.earshot.jobs;

import io.earshot.security.RateLimiter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An upload's body, charged to its client's upload budget ({@code earshot.limits.upload-bytes-per-minute}) as
 * it is read: once the budget is spent, reading fails with {@link OverBudget}, which the resources answer with
 * 429 and {@code Retry-After}. What was read before stays read (a resumable upload keeps it).
 */
final class MeteredInputStream extends FilterInputStream {

    /** The client has spent its upload budget for now. */
    static final class OverBudget extends IOException {
        private static final long serialVersionUID = 1L;
        final long retryAfterMs;

        OverBudget(long retryAfterMs) {
            super("upload budget spent", null);
            this.retryAfterMs = retryAfterMs;
        }
    }

    private final RateLimiter budget;
    private final String identity;

    MeteredInputStream(InputStream in, RateLimiter budget, String identity) {
        super(in);
        this.budget = budget;
        this.identity = identity;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            long wait = budget.tryTake(identity, n);
            if (wait > 0) {
                throw new OverBudget(wait);
            }
        }
        return n;
    }
}
