package io.earshot.transcription;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import io.earshot.engine.TranscriptionEngine;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The circuit breaker around an engine, with faults injected by a fake engine and time by a fake clock. */
class GuardedEngineTest {

    /** Fails while {@code failing} is set; counts the calls that reach it. */
    static final class FaultyEngine implements TranscriptionEngine {
        volatile boolean failing = true;
        volatile boolean throwRuntime;
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "faulty";
        }

        @Override
        public void start() {
        }

        @Override
        public List<Recognition> recognize(short[] samples, int offset, int length) throws EngineException {
            calls.incrementAndGet();
            if (failing) {
                if (throwRuntime) {
                    throw new IllegalStateException("injected crash");
                }
                throw new EngineException("injected failure");
            }
            return List.of(new Recognition("ok", List.of(new Recognition.Word("ok", 0, 100, 0.9)), null, 0, 100));
        }

        @Override
        public void close() {
        }
    }

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FaultyEngine engine = new FaultyEngine();
    private final GuardedEngine guarded = new GuardedEngine(engine, new CircuitBreaker(3, 5_000_000_000L, now::get));
    private final short[] segment = new short[1_600];

    @Test
    void repeatedFailuresOpenTheBreakerAndLaterCallsAreRefusedWithoutReachingTheEngine() {
        for (int i = 0; i < 3; i++) {
            assertEquals("engine_failed", guarded.recognize(segment).failure());
        }
        assertEquals(CircuitBreaker.State.OPEN, guarded.breaker().state());
        assertTrue(guarded.breaker().isRefusing());
        for (int i = 0; i < 100; i++) {
            assertEquals("engine_unavailable", guarded.recognize(segment).failure());
        }
        assertEquals(3, engine.calls.get(), "an open breaker does not call the engine");
    }

    @Test
    void afterTheOpenPeriodOneProbeGoesThroughAndItsSuccessClosesTheBreaker() {
        for (int i = 0; i < 3; i++) {
            guarded.recognize(segment);
        }
        now.addAndGet(4_999_000_000L);
        assertEquals("engine_unavailable", guarded.recognize(segment).failure());
        now.addAndGet(2_000_000L);
        assertEquals(0, guarded.breaker().nanosUntilProbe());
        engine.failing = false;
        GuardedEngine.Outcome probe = guarded.recognize(segment);
        assertNull(probe.failure());
        assertEquals("ok", probe.recognitions().get(0).text());
        assertEquals(CircuitBreaker.State.CLOSED, guarded.breaker().state());
        assertEquals(4, engine.calls.get());
    }

    @Test
    void aFailedProbeOpensTheBreakerForAnotherPeriod() {
        engine.throwRuntime = true;
        for (int i = 0; i < 3; i++) {
            assertEquals("engine_failed", guarded.recognize(segment).failure(), "runtime exceptions count too");
        }
        now.addAndGet(5_000_000_001L);
        assertEquals("engine_failed", guarded.recognize(segment).failure());
        assertEquals(CircuitBreaker.State.OPEN, guarded.breaker().state());
        assertTrue(guarded.breaker().nanosUntilProbe() > 4_000_000_000L);
        assertEquals("engine_unavailable", guarded.recognize(segment).failure());
        assertEquals(4, engine.calls.get());
    }

    @Test
    void whileHalfOpenOnlyOneProbeRunsAtATime() {
        CircuitBreaker breaker = new CircuitBreaker(1, 10, now::get);
        breaker.failure();
        now.addAndGet(11);
        assertTrue(breaker.tryAcquire());
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
        assertTrue(!breaker.tryAcquire(), "a second call waits for the probe's outcome");
        breaker.success();
        assertTrue(breaker.tryAcquire());
    }

    @Test
    void successesInBetweenResetTheFailureCount() {
        for (int round = 0; round < 5; round++) {
            engine.failing = true;
            guarded.recognize(segment);
            guarded.recognize(segment);
            engine.failing = false;
            assertNull(guarded.recognize(segment).failure());
        }
        assertEquals(CircuitBreaker.State.CLOSED, guarded.breaker().state());
    }
}
