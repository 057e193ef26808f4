package io.earshot.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void aMinutesBudgetThenARefusalWithTheTimeToWait() {
        RateLimiter r = new RateLimiter(6, 100, clock::get);
        for (int i = 0; i < 6; i++) {
            assertEquals(0, r.tryTake("a", 1));
        }
        assertEquals(10_000, r.tryTake("a", 1), "one unit comes back every 10 s");
        assertEquals(0, r.tryTake("b", 1), "identities are separate");
        clock.addAndGet(10_000_000_000L);
        assertEquals(0, r.tryTake("a", 1));
        assertTrue(r.tryTake("a", 1) > 0);
    }

    @Test
    void refillsContinuouslyButSavesAtMostAMinute() {
        RateLimiter r = new RateLimiter(60, 100, clock::get);
        assertEquals(0, r.tryTake("a", 60));
        clock.addAndGet(30_000_000_000L);
        assertEquals(0, r.tryTake("a", 30));
        assertEquals(1_000, r.tryTake("a", 1));
        clock.addAndGet(3_600_000_000_000L);
        assertEquals(0, r.tryTake("a", 60));
        assertTrue(r.tryTake("a", 1) > 0, "an hour idle saves no more than a minute's budget");
    }

    @Test
    void fractionalAmountsAndAmountsAboveTheBudget() {
        RateLimiter r = new RateLimiter(1.5, 100, clock::get);
        assertEquals(0, r.tryTake("a", 0.75));
        assertEquals(0, r.tryTake("a", 0.75));
        assertEquals(30_000, r.tryTake("a", 0.75));
        RateLimiter s = new RateLimiter(10, 100, clock::get);
        assertEquals(0, s.tryTake("a", 5));
        assertEquals(30_000, s.tryTake("a", 100), "more than a minute's budget: refused until the bucket is full");
    }

    @Test
    void forgetsTheLeastRecentlySeenIdentityBeyondItsBound() {
        RateLimiter r = new RateLimiter(1, 2, clock::get);
        assertEquals(0, r.tryTake("a", 1));
        assertEquals(0, r.tryTake("b", 1));
        assertEquals(0, r.tryTake("c", 1));
        assertEquals(0, r.tryTake("a", 1), "a was forgotten: a full bucket again");
        assertTrue(r.tryTake("c", 1) > 0, "c is remembered");
        assertThrows(IllegalArgumentException.class, () -> new RateLimiter(0, 1, clock::get));
    }
}
