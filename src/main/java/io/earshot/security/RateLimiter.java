package io.earshot.security;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets per client identity: each identity may spend {@code perMinute} units a minute, refilled
 * continuously, with at most a minute's worth saved up. The identities remembered are bounded (least recently
 * seen forgotten first: a forgotten identity starts again with a full bucket). Thread-safe.
 */
public final class RateLimiter {

    private final double perMinute;
    private final int maxIdentities;
    private final LongSupplier nanoClock;
    private final Map<String, double[]> buckets;

    public RateLimiter(double perMinute, int maxIdentities, LongSupplier nanoClock) {
        if (perMinute <= 0) {
            throw new IllegalArgumentException("perMinute must be positive");
        }
        this.perMinute = perMinute;
        this.maxIdentities = maxIdentities;
        this.nanoClock = nanoClock;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
                return size() > RateLimiter.this.maxIdentities;
            }
        };
    }

    /**
     * Spends {@code amount} units of {@code identity}'s budget if it has them: returns 0. Otherwise spends
     * nothing and returns the milliseconds after which it will have them (at least 1). An amount above a
     * minute's budget can never be spent at once; it is refused with the time to a full bucket.
     */
    public synchronized long tryTake(String identity, double amount) {
        long now = nanoClock.getAsLong();
        double[] b = buckets.get(identity);
        if (b == null) {
            b = new double[] {perMinute, now};
            buckets.put(identity, b);
        } else {
            double elapsedMinutes = (now - (long) b[1]) / 60e9;
            b[0] = Math.min(perMinute, b[0] + elapsedMinutes * perMinute);
            b[1] = now;
        }
        if (b[0] >= amount) {
            b[0] -= amount;
            return 0;
        }
        double missing = Math.min(amount, perMinute) - b[0];
        return Math.max(1, (long) Math.ceil(missing / perMinute * 60_000));
    }

    public double perMinute() {
        return perMinute;
    }
}
