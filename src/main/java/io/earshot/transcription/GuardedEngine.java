package io.earshot.transcription;

import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import io.earshot.engine.TranscriptionEngine;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An engine behind a {@link CircuitBreaker}: every call's outcome is a value, never an exception, and while the
 * breaker is open calls are refused at once instead of reaching the engine.
 */
public final class GuardedEngine {

    private static final Logger LOG = Logger.getLogger(GuardedEngine.class.getName());

    /** What became of one recognition: the recognitions, or (with null recognitions) why there are none. */
    public record Outcome(List<Recognition> recognitions, String failure) {
    }

    /**
     * The failure of a recognition that the server's own shutdown cut short: not the engine's fault, and never
     * reported to a client. The audio is stored; a live utterance is transcribed after the restart, a job runs again.
     */
    public static final String STOPPING = "stopping";

    private final TranscriptionEngine engine;
    private final CircuitBreaker breaker;

    public GuardedEngine(TranscriptionEngine engine, CircuitBreaker breaker) {
        this.engine = engine;
        this.breaker = breaker;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    /** Recognizes one segment: {@code engine_unavailable} while the breaker is open, {@code engine_failed} on a failure. */
    public Outcome recognize(short[] samples) {
        if (!breaker.tryAcquire()) {
            return new Outcome(null, "engine_unavailable");
        }
        try {
            List<Recognition> r = engine.recognize(samples, 0, samples.length);
            breaker.success();
            return new Outcome(r == null ? List.of() : r, null);
        } catch (EngineException | RuntimeException e) {
            breaker.failure();
            LOG.log(Level.WARNING, "engine " + engine.name() + " failed; breaker " + breaker.state().wireName(), e);
            return new Outcome(null, "engine_failed");
        }
    }
}
