package io.earshot.transcription;

import io.earshot.audio.EngineFormat;
import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import io.earshot.engine.SpeakerTurn;
import io.earshot.engine.TranscriptionEngine;
import io.earshot.engine.sphinx4.Sphinx4Engine;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import java.lang.reflect.Constructor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's transcription engine: the one named by {@code earshot.engine}, loaded when the application
 * starts, run on {@code earshot.engine.threads} threads of its own, and guarded by a {@link CircuitBreaker}.
 * Sessions get a {@link LiveTranscriber} from it; {@code /v1/status} reports its state.
 */
@ApplicationScoped
public class EngineService {

    private static final Logger LOG = Logger.getLogger(EngineService.class.getName());

    /** Where the engine stands. */
    public enum State {
        LOADING, READY, FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Resource
    private ManagedThreadFactory threads;

    private EarshotConfig config;
    private volatile TranscriptionEngine engine;
    private volatile GuardedEngine guarded;
    private ExecutorService executor;
    private CircuitBreaker breaker;
    private volatile State state = State.LOADING;
    /** Set once the server shuts the engine down. */
    private volatile boolean stopping;

    @PostConstruct
    void init() {
        config = EarshotConfig.current();
        breaker = new CircuitBreaker(config.engineBreakerFailures,
                TimeUnit.MILLISECONDS.toNanos(config.engineBreakerOpenMs), System::nanoTime);
        executor = new ThreadPoolExecutor(config.engineThreads, config.engineThreads, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads);
        // Loading takes seconds (Sphinx4: one to two per recognizer); the server answers meanwhile, with the engine
        // reported as loading and new transcribed sessions refused with engine_unavailable.
        Thread loader = threads.newThread(this::load);
        loader.setName("earshot-engine-loader");
        loader.start();
    }

    private void load() {
        try {
            TranscriptionEngine created = create(config);
            long start = System.nanoTime();
            created.start();
            engine = created;
            guarded = new GuardedEngine(created, breaker);
            state = State.READY;
            LOG.info(() -> "Earshot engine " + created.name() + " ready (" + config.engineThreads + " threads) in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        } catch (EngineException | RuntimeException | LinkageError e) {
            state = State.FAILED;
            LOG.log(Level.SEVERE, "Earshot engine " + config.engine + " failed to start; every transcribed session "
                    + "will be refused with engine_unavailable", e);
        }
    }

    @PreDestroy
    void shutdown() {
        stopping = true;
        executor.shutdownNow();
        if (engine != null) {
            engine.close();
        }
    }

    /** The engine named in the settings: {@code sphinx4}, or a class implementing {@link TranscriptionEngine}. */
    static TranscriptionEngine create(EarshotConfig config) throws EngineException {
        if (config.engine.equals("sphinx4")) {
            return new Sphinx4Engine(config);
        }
        try {
            Class<?> type = Class.forName(config.engine, true, EngineService.class.getClassLoader());
            if (!TranscriptionEngine.class.isAssignableFrom(type)) {
                throw new EngineException(config.engine + " does not implement " + TranscriptionEngine.class.getName());
            }
            try {
                Constructor<?> withConfig = type.getConstructor(EarshotConfig.class);
                return (TranscriptionEngine) withConfig.newInstance(config);
            } catch (NoSuchMethodException e) {
                return (TranscriptionEngine) type.getConstructor().newInstance();
            }
        } catch (ReflectiveOperationException e) {
            throw new EngineException("cannot create engine " + config.engine + ": " + e, e);
        }
    }

    /** Whether new sessions can be transcribed: the engine is loaded and its breaker lets calls through. */
    public boolean isAvailable() {
        return state == State.READY && !breaker.isRefusing();
    }

    /** When a refused client should try again, in milliseconds. */
    public long retryAfterMs() {
        long breakerMs = TimeUnit.NANOSECONDS.toMillis(breaker.nanosUntilProbe());
        return Math.max(config.retryAfterMs, breakerMs);
    }

    /** Why sessions are refused, for the error's detail. */
    public String unavailableDetail() {
        return switch (state) {
            case LOADING -> "engine " + config.engine + " is loading";
            case FAILED -> "engine " + config.engine + " failed to start";
            case READY -> "engine " + config.engine + " circuit breaker open after repeated failures";
        };
    }

    /** A transcriber for one live stream. */
    public LiveTranscriber open(LiveTranscriber.Listener listener) {
        long maxPending = config.engineMaxPendingMs * EngineFormat.SAMPLE_RATE / 1000;
        return new LiveTranscriber(this::recognize, executor, Segmenter.Settings.defaults(), maxPending, listener);
    }

    /**
     * Recognizes one utterance through the breaker. Never throws. Once the server is stopping, a recognition that
     * fails (an engine interrupted by the shutdown) or has not started fails with {@link GuardedEngine#STOPPING}.
     */
    GuardedEngine.Outcome recognize(short[] samples) {
        if (stopping) {
            return new GuardedEngine.Outcome(null, GuardedEngine.STOPPING);
        }
        if (state != State.READY) {
            return new GuardedEngine.Outcome(null, "engine_unavailable");
        }
        GuardedEngine.Outcome outcome = guarded.recognize(samples);
        return outcome.failure() != null && stopping ? new GuardedEngine.Outcome(null, GuardedEngine.STOPPING)
                : outcome;
    }

    /** Whether the server is shutting the engine down. */
    public boolean isStopping() {
        return stopping;
    }

    /** Whether the engine has loaded (its breaker may still refuse calls). */
    public boolean isReady() {
        return state == State.READY;
    }

    /** Whether the engine could not be loaded: nothing will be transcribed until the server restarts. */
    public boolean hasFailed() {
        return state == State.FAILED;
    }

    /**
     * Recognizes one segment of a job on the engine's threads, in turn with the live sessions' utterances (the
     * queue is first come, first served), so a job never takes the engine from live streams for longer than
     * one segment. Cancelling the future before it runs skips the segment; it completes exceptionally only when the
     * engine's threads refuse work (the server is stopping).
     */
    public CompletableFuture<GuardedEngine.Outcome> recognizeInTurn(short[] samples) {
        return inTurn(() -> recognize(samples));
    }

    /**
     * Runs batch work (a job's alignment or diarization) on the engine's threads, in turn with the live
     * sessions' utterances, so that the engine's threads bound all the CPU it takes. Cancelling the future before
     * the work starts skips it; a refused submission completes it exceptionally.
     */
    public <T> CompletableFuture<T> inTurn(java.util.function.Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                if (result.isDone()) {
                    return;
                }
                try {
                    result.complete(work.get());
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /** Forced alignment of a known transcript with the loaded engine, on the calling thread. */
    public List<Recognition.Word> align(short[] samples, int offset, int length, String transcript)
            throws EngineException {
        return loaded().align(samples, offset, length, transcript);
    }

    /** Speaker turns with the loaded engine, on the calling thread. */
    public List<SpeakerTurn> diarize(short[] samples, int offset, int length) throws EngineException {
        return loaded().diarize(samples, offset, length);
    }

    private TranscriptionEngine loaded() throws EngineException {
        TranscriptionEngine e = engine;
        if (e == null) {
            throw new EngineException(unavailableDetail());
        }
        return e;
    }

    /** For {@code /v1/status}. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", engine != null ? engine.name() : config.engine);
        m.put("state", state.wireName());
        m.put("ready", state == State.READY);
        m.put("breaker", breaker.state().wireName());
        m.put("threads", config.engineThreads);
        if (executor instanceof ThreadPoolExecutor pool) {
            m.put("sessions_waiting", pool.getQueue().size());
        }
        return m;
    }
}
