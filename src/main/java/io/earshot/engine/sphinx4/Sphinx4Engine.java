package io.earshot.engine.sphinx4;

import edu.cmu.sphinx.api.AbstractSpeechRecognizer;
import edu.cmu.sphinx.api.Configuration;
import edu.cmu.sphinx.api.Context;
import edu.cmu.sphinx.api.SpeechResult;
import edu.cmu.sphinx.result.WordResult;
import edu.cmu.sphinx.util.LogMath;
import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import io.earshot.engine.SpeakerTurn;
import io.earshot.engine.TranscriptionEngine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The default engine: CMU Sphinx4 (5prealpha) with its US English acoustic model, dictionary and 3-gram
 * language model, all inside the {@code sphinx4-data} jar, so nothing needs installing. Pure Java.
 *
 * <p>A recognizer holds its own copy of the models (about 230 MB of heap) and takes a second or two to load,
 * so recognizers are loaded once, at {@link #start}, one per engine thread ({@code earshot.engine.threads}),
 * and lent out per segment. A recognizer that fails is dropped and a fresh one loaded in its place. Sphinx4's
 * live front end keeps adapting its cepstral mean normalization to the audio a recognizer has heard, so the
 * same segment can come out slightly differently (a word) depending on which recognizer takes it.
 *
 * <p>Speed against accuracy is set by the search's beams. Sphinx4's own defaults decode the LibriVox test
 * clips two to four times slower than real time on one core here, far too slow for live audio; Earshot's
 * defaults (absolute beam 4,000, relative beam 1e-60, absolute word beam 100, relative word beam 1e-40)
 * decode them at about half of real time with two streams at once on two cores, for 34.7 % of words wrong
 * against 32.9 % with Sphinx4's defaults (docs/configuration.md). Sphinx4 reads these from Java system properties of the
 * same names ({@code absoluteBeamWidth}, ...), which override its configuration file; Earshot sets them from
 * its own settings before loading the first recognizer. They are therefore the same for every Sphinx4
 * recognizer in the JVM.
 */
public final class Sphinx4Engine implements TranscriptionEngine {

    private static final Logger LOG = Logger.getLogger(Sphinx4Engine.class.getName());
    private static final String MODEL = "resource:/edu/cmu/sphinx/models/en-us/";

    private final EarshotConfig config;
    private final BlockingQueue<Recognizer> idle;
    private volatile boolean closed;

    public Sphinx4Engine(EarshotConfig config) {
        this.config = config;
        this.idle = new ArrayBlockingQueue<>(config.engineThreads);
    }

    @Override
    public String name() {
        return "sphinx4";
    }

    @Override
    public void start() throws EngineException {
        System.setProperty("absoluteBeamWidth", Long.toString(config.sphinx4AbsoluteBeamWidth));
        System.setProperty("relativeBeamWidth", Double.toString(config.sphinx4RelativeBeamWidth));
        System.setProperty("absoluteWordBeamWidth", Long.toString(config.sphinx4AbsoluteWordBeamWidth));
        System.setProperty("relativeWordBeamWidth", Double.toString(config.sphinx4RelativeWordBeamWidth));
        System.setProperty("languageWeight", Double.toString(config.sphinx4LanguageWeight));
        System.setProperty("wordInsertionProbability", Double.toString(config.sphinx4WordInsertionProbability));
        quietSphinxLogging();
        for (int i = 0; i < config.engineThreads; i++) {
            idle.add(load());
        }
    }

    @Override
    public List<Recognition> recognize(short[] samples, int offset, int length) throws EngineException {
        if (closed) {
            throw new EngineException("engine closed");
        }
        Recognizer recognizer;
        try {
            recognizer = idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for a recognizer", e);
        }
        boolean healthy = false;
        try {
            List<Recognition> out = recognizer.recognize(samples, offset, length);
            healthy = true;
            return out;
        } catch (RuntimeException | StackOverflowError e) {
            throw new EngineException("Sphinx4 failed on a segment of " + length + " samples: " + e, e);
        } finally {
            if (healthy) {
                idle.add(recognizer);
            } else {
                replace(recognizer);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Recognizer r;
        while ((r = idle.poll()) != null) {
            r.close();
        }
        Sphinx4Aligner a;
        synchronized (this) {
            a = aligner;
        }
        if (a != null) {
            a.close();
        }
    }

    private void replace(Recognizer broken) {
        broken.close();
        try {
            idle.add(load());
        } catch (EngineException e) {
            // Keep the pool at its size: the next segment will try again, and fail, and count towards the breaker.
            LOG.log(Level.WARNING, "cannot reload a Sphinx4 recognizer", e);
            idle.add(broken);
        }
    }

    private static Recognizer load() throws EngineException {
        try {
            Configuration c = new Configuration();
            c.setAcousticModelPath(MODEL + "en-us");
            c.setDictionaryPath(MODEL + "cmudict-en-us.dict");
            c.setLanguageModelPath(MODEL + "en-us.lm.bin");
            c.setSampleRate(16_000);
            Recognizer r = new Recognizer(new Context(c));
            r.allocate();
            quietSphinxLogging();
            return r;
        } catch (IOException | RuntimeException e) {
            throw new EngineException("cannot load the Sphinx4 model: " + e, e);
        }
    }

    /** Sphinx4 logs every configuration step at INFO; keep warnings only. */
    private static void quietSphinxLogging() {
        System.setProperty("logLevel", "WARNING");
        Logger.getLogger("edu.cmu.sphinx").setLevel(Level.WARNING);
        Logger.getLogger("default.config").setLevel(Level.WARNING);
        // Components set their own loggers' levels when they are configured (the speed tracker logs every
        // utterance at INFO): once loaded, turn those down too.
        java.util.Enumeration<String> names = java.util.logging.LogManager.getLogManager().getLoggerNames();
        while (names.hasMoreElements()) {
            String name = names.nextElement();
            if (name.startsWith("default.config") || name.startsWith("edu.cmu.sphinx")) {
                Logger l = Logger.getLogger(name);
                if (l.getLevel() != null && l.getLevel().intValue() < Level.WARNING.intValue()) {
                    l.setLevel(Level.WARNING);
                }
            }
        }
    }

    /** One Sphinx4 recognizer, allocated once and fed one segment at a time. */
    private static final class Recognizer extends AbstractSpeechRecognizer {

        Recognizer(Context context) throws IOException {
            super(context);
        }

        void allocate() {
            recognizer.allocate();
        }

        void close() {
            try {
                recognizer.deallocate();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "Sphinx4 deallocate failed", e);
            }
        }

        List<Recognition> recognize(short[] samples, int offset, int length) {
            byte[] pcm = new byte[2 * length];
            for (int i = 0; i < length; i++) {
                short s = samples[offset + i];
                pcm[2 * i] = (byte) s;
                pcm[2 * i + 1] = (byte) (s >> 8);
            }
            context.setSpeechSource(new ByteArrayInputStream(pcm));
            List<Recognition> out = new ArrayList<>();
            edu.cmu.sphinx.result.Result result;
            while ((result = recognizer.recognize()) != null) {
                Recognition r = convert(result);
                if (r != null) {
                    out.add(r);
                }
            }
            return out;
        }

        /**
         * The words of a result with their posterior probabilities, from the word lattice. Sphinx4 5prealpha
         * sometimes fails to build the lattice of a result (a null node inside {@code SpeechResult}); the words
         * then come from the best path, without confidences.
         */
        private static Recognition convert(edu.cmu.sphinx.result.Result result) {
            List<WordResult> path;
            boolean posteriors = true;
            try {
                path = new SpeechResult(result).getWords();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "Sphinx4 lattice failed; using the best path", e);
                path = result.getTimedBestResult(false);
                posteriors = false;
            }
            List<Recognition.Word> words = new ArrayList<>();
            LogMath logMath = LogMath.getLogMath();
            for (WordResult w : path) {
                if (w.isFiller() || w.getWord().isSentenceStartWord() || w.getWord().isSentenceEndWord()) {
                    continue;
                }
                double p = posteriors ? logMath.logToLinear((float) w.getConfidence()) : Double.NaN;
                Double confidence = Double.isFinite(p) ? Math.max(0, Math.min(1, p)) : null;
                words.add(new Recognition.Word(w.getWord().getSpelling().toLowerCase(Locale.ROOT),
                        w.getTimeFrame().getStart(), w.getTimeFrame().getEnd(), confidence));
            }
            if (words.isEmpty()) {
                return null;
            }
            String text = String.join(" ", words.stream().map(Recognition.Word::word).toList());
            return new Recognition(text, words, null, words.get(0).startMs(), words.get(words.size() - 1).endMs());
        }
    }

    // Batch work: forced alignment and speaker turns, set up on first use (most deployments never ask for them).

    /** Made on first use; guarded by this. */
    private Sphinx4Aligner aligner;
    /** Made on first use; guarded by this. */
    private Sphinx4Diarizer diarizer;

    /**
     * Forced alignment with the acoustic model ({@link Sphinx4Aligner}): the transcript's words in order, with
     * their times, confidence null. Aligners load on first use (1 to 3 s and about 85 MB each), at most one per
     * engine thread, and are kept.
     */
    @Override
    public List<Recognition.Word> align(short[] samples, int offset, int length, String transcript)
            throws EngineException {
        if (closed) {
            throw new EngineException("engine closed");
        }
        return aligner().align(samples, offset, length, transcript);
    }

    /** Speaker turns by BIC clustering of cepstra ({@link Sphinx4Diarizer}), as many at once as engine threads. */
    @Override
    public List<SpeakerTurn> diarize(short[] samples, int offset, int length) throws EngineException {
        if (closed) {
            throw new EngineException("engine closed");
        }
        return diarizer().diarize(samples, offset, length);
    }

    private synchronized Sphinx4Aligner aligner() {
        if (aligner == null) {
            aligner = new Sphinx4Aligner(config.engineThreads);
        }
        return aligner;
    }

    private synchronized Sphinx4Diarizer diarizer() {
        if (diarizer == null) {
            diarizer = new Sphinx4Diarizer(config.engineThreads);
        }
        return diarizer;
    }
}
