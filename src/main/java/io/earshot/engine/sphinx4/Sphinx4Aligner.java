package io.earshot.engine.sphinx4;

import edu.cmu.sphinx.frontend.util.StreamDataSource;
import edu.cmu.sphinx.linguist.dictionary.Dictionary;
import edu.cmu.sphinx.linguist.language.grammar.Grammar;
import edu.cmu.sphinx.linguist.language.grammar.GrammarNode;
import edu.cmu.sphinx.recognizer.Recognizer;
import edu.cmu.sphinx.result.Result;
import edu.cmu.sphinx.result.WordResult;
import edu.cmu.sphinx.util.LogMath;
import edu.cmu.sphinx.util.props.ConfigurationManager;
import edu.cmu.sphinx.util.props.ConfigurationManagerUtils;
import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import java.io.ByteArrayInputStream;
import java.net.MalformedURLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Forced alignment with Sphinx4's acoustic model: places the words of a known transcript in the audio.
 *
 * <p>Sphinx4's own {@code SpeechAligner} is not used. It cuts the audio at pauses and aligns every piece against the
 * whole transcript from its first word, so words after a pause can land in the wrong place (in two of five pairs of
 * joined LibriVox clips here); a reused instance carries state into the next call; and its grammar lets any run of
 * words be skipped for free, which makes the search quadratic in the transcript's length (82 s of audio with 213
 * words took 7 minutes, against 4 s here). Instead the whole audio is one utterance (no endpointing), searched with
 * a grammar that runs through the transcript's words in order, each followed by optional silence, and may skip up
 * to {@value #MAX_SKIPPED_WORDS} words in a row at a price, so a transcript word that was never spoken does not drag
 * its neighbours out of place.
 *
 * <p>An aligner holds the acoustic model and the pronouncing dictionary (about 85 MB of heap, loaded in 1 to 3 s)
 * and aligns one transcript at a time. Aligners are loaded on first use, at most {@code size} of them, and lent out
 * per call; one that fails is dropped, and a later call loads a fresh one.
 */
final class Sphinx4Aligner {

    private static final Logger LOG = Logger.getLogger(Sphinx4Aligner.class.getName());
    private static final String MODEL = "resource:/edu/cmu/sphinx/models/en-us/";

    /** The longest run of transcript words the alignment may leave out. */
    static final int MAX_SKIPPED_WORDS = 4;
    /** The grammar probability of leaving out one word; low enough that spoken words are always placed. */
    private static final double SKIP_PROBABILITY = 1e-2;

    /** Bounds the aligners in existence: one is loaded only by a caller holding a permit who finds none idle. */
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Model> idle = new ConcurrentLinkedQueue<>();

    Sphinx4Aligner(int size) {
        this.permits = new Semaphore(size, true);
    }

    /**
     * The words of {@code transcript} that could be placed, in order, with times in milliseconds from
     * {@code samples[offset]}. Case and punctuation are dropped (the words come back as the dictionary spells them,
     * in lower case), hyphenated words are split, and words the dictionary lacks (numbers written as digits, rare
     * names) are left out.
     */
    List<Recognition.Word> align(short[] samples, int offset, int length, String transcript)
            throws EngineException {
        if (transcript == null) {
            throw new EngineException("no transcript to align");
        }
        checkRange(samples, offset, length);
        List<String> tokens = tokens(transcript);
        if (tokens.isEmpty() || length == 0) {
            return List.of();
        }
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for an aligner", e);
        }
        Model model = null;
        try {
            model = idle.poll();
            if (model == null) {
                model = Model.load();
            }
            List<Recognition.Word> words = model.align(samples, offset, length, tokens);
            idle.add(model);
            model = null;
            return words;
        } catch (RuntimeException | StackOverflowError e) {
            throw new EngineException("Sphinx4 failed to align " + tokens.size() + " words to " + length
                    + " samples: " + e, e);
        } finally {
            if (model != null) {
                model.close();
            }
            permits.release();
        }
    }

    /** Frees the idle aligners (those lent out are freed when they come back, as the engine is closed then). */
    void close() {
        Model m;
        while ((m = idle.poll()) != null) {
            m.close();
        }
    }

    /** A bad range is the caller's mistake, not the model's: it must not cost a loaded aligner. */
    static void checkRange(short[] samples, int offset, int length) throws EngineException {
        if (samples == null || offset < 0 || length < 0 || offset > samples.length - length) {
            throw new EngineException("no such samples: offset " + offset + ", length " + length + " of "
                    + (samples == null ? "none" : Integer.toString(samples.length)));
        }
    }

    /** Lower-case words: letters, digits and inner apostrophes; everything else separates. */
    static List<String> tokens(String transcript) {
        List<String> tokens = new ArrayList<>();
        for (String t : transcript.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}']+")) {
            t = t.replaceAll("^'+|'+$", "");
            if (!t.isEmpty()) {
                tokens.add(t);
            }
        }
        return tokens;
    }

    /** One loaded acoustic model, dictionary and search, used by one thread at a time. */
    private static final class Model {

        private final Recognizer recognizer;
        private final Dictionary dictionary;
        private final TranscriptGrammar grammar;
        private final StreamDataSource source;

        private Model(Recognizer recognizer, Dictionary dictionary, TranscriptGrammar grammar,
                StreamDataSource source) {
            this.recognizer = recognizer;
            this.dictionary = dictionary;
            this.grammar = grammar;
            this.source = source;
        }

        /**
         * Sphinx4's default configuration turned into an aligner: the flat linguist over the transcript grammar,
         * breadth-first search, and a front end without the speech classifier and marker, so the audio is one
         * utterance however long its pauses, with cepstral mean normalization over the whole of it; no speed and
         * memory monitors. The beams are Sphinx4's defaults, set here so that the recognizers' beams (system
         * properties) do not apply.
         */
        static Model load() throws EngineException {
            try {
                ConfigurationManager cm = new ConfigurationManager(
                        ConfigurationManagerUtils.resourceToURL("resource:/edu/cmu/sphinx/api/default.config.xml"));
                // Sphinx4 sets its loggers' level when the configuration is read; read, then quietened.
                cm.setGlobalProperty("logLevel", "WARNING");
                ConfigurationManagerUtils.configureLogger(cm);
                cm.setGlobalProperty("absoluteBeamWidth", "20000");
                cm.setGlobalProperty("relativeBeamWidth", "1e-60");
                ConfigurationManagerUtils.setProperty(cm, "acousticModelLoader->location", MODEL + "en-us");
                ConfigurationManagerUtils.setProperty(cm, "dictionary->fillerPath", MODEL + "en-us/noisedict");
                ConfigurationManagerUtils.setProperty(cm, "dictionary->dictionaryPath", MODEL + "cmudict-en-us.dict");
                ConfigurationManagerUtils.setProperty(cm, "dataSource->sampleRate", "16000");
                ConfigurationManagerUtils.setProperty(cm, "decoder->searchManager", "alignerSearchManager");
                cm.getPropertySheet("recognizer").setComponentList("monitors", List.of(), null);
                cm.getPropertySheet("liveFrontEnd").setComponentList("pipeline", List.of("dataSource",
                        "dataBlocker", "preemphasizer", "windower", "fft", "autoCepstrum", "batchCMN",
                        "featureExtraction", "featureTransform"), null);
                Dictionary dictionary = cm.lookup("dictionary");
                TranscriptGrammar grammar = new TranscriptGrammar(dictionary);
                cm.getPropertySheet("alignerLinguist").setComponent("grammar", "transcriptGrammar", grammar);
                Recognizer recognizer = cm.lookup("recognizer");
                StreamDataSource source = cm.lookup("dataSource");
                recognizer.allocate();
                return new Model(recognizer, dictionary, grammar, source);
            } catch (MalformedURLException | RuntimeException e) {
                throw new EngineException("cannot load the Sphinx4 aligner: " + e, e);
            }
        }

        List<Recognition.Word> align(short[] samples, int offset, int length, List<String> tokens) {
            List<String> known = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                if (dictionary.getWord(t) != null) {
                    known.add(t);
                }
            }
            if (known.isEmpty()) {
                return List.of();
            }
            grammar.setWords(known);
            byte[] pcm = new byte[2 * length];
            for (int i = 0; i < length; i++) {
                short s = samples[offset + i];
                pcm[2 * i] = (byte) s;
                pcm[2 * i + 1] = (byte) (s >> 8);
            }
            source.setInputStream(new ByteArrayInputStream(pcm));
            long durationMs = length * 1000L / 16_000;
            List<Recognition.Word> out = new ArrayList<>();
            Result result;
            while ((result = recognizer.recognize()) != null) {
                for (WordResult w : result.getTimedBestResult(false)) {
                    long start = Math.min(w.getTimeFrame().getStart(), durationMs);
                    long end = Math.max(start, Math.min(w.getTimeFrame().getEnd(), durationMs));
                    out.add(new Recognition.Word(w.getWord().getSpelling(), start, end, null));
                }
            }
            return out;
        }

        void close() {
            try {
                recognizer.deallocate();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "Sphinx4 aligner deallocate failed", e);
            }
        }
    }

    /**
     * The transcript as a chain: silence, then each word followed by optional silence, then the end. From each word
     * the next one follows, or the one after at {@link #SKIP_PROBABILITY}, and so on up to
     * {@link #MAX_SKIPPED_WORDS} words ahead. Skips are direct arcs rather than chains of empty nodes, which the
     * breadth-first search would expand end to end in every frame.
     */
    private static final class TranscriptGrammar extends Grammar {

        private List<String> words = List.of();

        TranscriptGrammar(Dictionary dictionary) {
            super(false, true, true, false, dictionary);
        }

        void setWords(List<String> words) {
            this.words = List.copyOf(words);
            newGrammar();
            initialNode = createGrammar();
            postProcessGrammar();
        }

        @Override
        protected GrammarNode createGrammar() {
            LogMath logMath = LogMath.getLogMath();
            GrammarNode start = createGrammarNode(Dictionary.SILENCE_SPELLING);
            GrammarNode end = createGrammarNode(true);
            List<GrammarNode> nodes = new ArrayList<>(words.size());
            for (String w : words) {
                nodes.add(createGrammarNode(w));
            }
            for (int i = -1; i < nodes.size(); i++) {
                GrammarNode from = i < 0 ? start : nodes.get(i);
                for (int skipped = 0; skipped <= MAX_SKIPPED_WORDS; skipped++) {
                    float p = logMath.linearToLog(Math.pow(SKIP_PROBABILITY, skipped));
                    int next = i + 1 + skipped;
                    if (next >= nodes.size()) {
                        from.add(end, p);
                        break;
                    }
                    from.add(nodes.get(next), p);
                }
            }
            return start;
        }

        /** Sphinx4 logs the size of every grammar at INFO, under this class's name; not worth a line per call. */
        @Override
        public void dumpStatistics() {
        }
    }
}
