package io.earshot.transcription;

import io.earshot.audio.EngineFormat;
import io.earshot.audio.PcmSink;
import io.earshot.engine.Recognition;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Transcribes one live stream: the session's decoded audio goes in as it arrives ({@link #accept}), a
 * {@link Segmenter} cuts it into utterances, and the utterances are recognized one at a time, in order, on the
 * engine's threads, shared fairly with every other session (a session gives its thread back after each
 * utterance). Results go to the {@link Listener} in stream order, on an engine thread.
 *
 * <p>Memory is bounded: utterances waiting for the engine hold at most {@code maxPendingSamples} of audio. An
 * utterance that would go over is not transcribed live and is reported as skipped (its audio is stored
 * all the same). Long before that, the session is told how far transcription lags ({@link #lagSamples}) so it
 * can ask the client to slow down.
 */
public final class LiveTranscriber implements PcmSink {

    private static final Logger LOG = Logger.getLogger(LiveTranscriber.class.getName());

    /** Where results go. Called on an engine thread, one call at a time, in stream order. */
    public interface Listener {
        /** An utterance was recognized: its recognitions, with times from the start of the stream. */
        void recognized(long startSample, long endSample, List<Recognition> recognitions);

        /** An utterance was not transcribed: {@code reason} is {@code engine_unavailable}, {@code engine_failed} or {@code engine_overloaded}. */
        void notTranscribed(long startSample, long endSample, String reason);

        /** Everything handed over so far has been transcribed (or reported as not transcribed). */
        void drained();
    }

    private record Utterance(long startSample, short[] samples) {
        long endSample() {
            return startSample + samples.length;
        }
    }

    /** Recognizes one utterance; never throws. */
    public interface Recognizer {
        GuardedEngine.Outcome recognize(short[] samples);
    }

    private final Recognizer engine;
    private final Executor executor;
    private final Listener listener;
    private final long maxPendingSamples;
    /** Null for a store-only session. */
    private final Segmenter segmenter;
    private long storeOnlySamples;
    // Guarded by this.
    private final ArrayDeque<Utterance> pending = new ArrayDeque<>();
    private long pendingSamples;
    private boolean running;
    /** Start of the utterance being recognized, or -1. */
    private long inProgressStart = -1;
    private boolean finished;
    private boolean closed;

    public LiveTranscriber(Recognizer engine, Executor executor, Segmenter.Settings settings, long maxPendingSamples,
            Listener listener) {
        this.engine = engine;
        this.executor = executor;
        this.listener = listener;
        this.maxPendingSamples = maxPendingSamples;
        this.segmenter = settings == null ? null : new Segmenter(settings, this::utterance);
    }

    /** For a session that asked not to be transcribed: takes the audio, transcribes nothing, is always drained. */
    public static LiveTranscriber storeOnly(Listener listener) {
        return new LiveTranscriber(null, null, null, 0, listener);
    }

    /** The session's decoded audio, 16 kHz mono, in stream order. Called under the session's lock. */
    @Override
    public void accept(short[] samples, int offset, int length) {
        if (finished) {
            return;
        }
        if (segmenter == null) {
            storeOnlySamples += length;
        } else {
            segmenter.accept(samples, offset, length);
        }
    }

    /** End of the stream: the utterance in progress is handed over; {@link Listener#drained} follows when all is done. */
    public void finish() {
        if (finished) {
            return;
        }
        if (segmenter != null) {
            segmenter.finish();
        }
        boolean idle;
        synchronized (this) {
            finished = true;
            idle = !running && pending.isEmpty();
        }
        if (idle) {
            listener.drained();
        }
    }

    /** Stops: nothing more is recognized for this stream (a server shutdown). */
    public synchronized void close() {
        closed = true;
        pending.clear();
        pendingSamples = 0;
    }

    /** Samples accepted but not yet transcribed: held by the segmenter, waiting, or being recognized. */
    public synchronized long lagSamples() {
        if (segmenter == null) {
            return 0;
        }
        long settled = segmenter.settledSamples();
        long oldest = inProgressStart >= 0 ? inProgressStart
                : pending.isEmpty() ? settled : pending.peekFirst().startSample();
        return segmenter.acceptedSamples() - Math.min(oldest, settled);
    }

    /** The stream offset before which nothing remains to be transcribed. */
    public synchronized long transcribedThrough() {
        if (segmenter == null) {
            return storeOnlySamples;
        }
        long settled = segmenter.settledSamples();
        long oldest = inProgressStart >= 0 ? inProgressStart
                : pending.isEmpty() ? settled : pending.peekFirst().startSample();
        return Math.min(oldest, settled);
    }

    private void utterance(long startSample, short[] samples, int length) {
        Utterance u = new Utterance(startSample, Arrays.copyOf(samples, length));
        boolean overloaded;
        boolean schedule = false;
        synchronized (this) {
            if (closed) {
                return;
            }
            overloaded = pendingSamples + length > maxPendingSamples;
            if (!overloaded) {
                pending.addLast(u);
                pendingSamples += length;
                if (!running) {
                    running = true;
                    schedule = true;
                }
            }
        }
        if (overloaded) {
            LOG.fine(() -> "transcription backlog full; utterance at " + startSample + " not transcribed live");
            listener.notTranscribed(u.startSample(), u.endSample(), "engine_overloaded");
        }
        if (schedule) {
            submit();
        }
    }

    private void submit() {
        try {
            executor.execute(this::runOne);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot schedule transcription", e);
            synchronized (this) {
                running = false;
            }
        }
    }

    /** Recognizes the oldest waiting utterance, then gives the thread back (rescheduling itself if more wait). */
    private void runOne() {
        Utterance u;
        synchronized (this) {
            u = pending.pollFirst();
            if (u == null || closed) {
                running = false;
                return;
            }
            pendingSamples -= u.samples().length;
            inProgressStart = u.startSample();
        }
        try {
            GuardedEngine.Outcome outcome = engine.recognize(u.samples());
            synchronized (this) {
                if (closed || GuardedEngine.STOPPING.equals(outcome.failure())) {
                    // Closed meanwhile (the session is gone, or its storage closed by a shutdown), or cut short by
                    // the shutdown: nothing to tell. A restored session transcribes the utterance again.
                    inProgressStart = -1;
                    running = false;
                    return;
                }
            }
            long offsetMs = u.startSample() * 1000 / EngineFormat.SAMPLE_RATE;
            if (outcome.recognitions() != null) {
                listener.recognized(u.startSample(), u.endSample(),
                        outcome.recognitions().stream().map(r -> r.shifted(offsetMs)).toList());
            } else {
                listener.notTranscribed(u.startSample(), u.endSample(), outcome.failure());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "transcription result could not be delivered", e);
        }
        boolean again;
        boolean drained;
        synchronized (this) {
            inProgressStart = -1;
            again = !pending.isEmpty() && !closed;
            running = again;
            drained = !again && finished;
        }
        if (again) {
            submit();
        } else if (drained) {
            listener.drained();
        }
    }
}
