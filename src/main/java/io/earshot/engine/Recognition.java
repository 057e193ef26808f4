package io.earshot.engine;

import java.util.List;

/**
 * What an engine recognized in a stretch of audio.
 *
 * @param text    the words, separated by single spaces, without fillers (silence, breath, noise)
 * @param words   each word with its times and confidence, in order
 * @param speaker a speaker label where the engine knows one, else null
 * @param startMs start of the recognized stretch, milliseconds from the start of the segment given to the
 *                engine (of the stream, once Earshot has placed it)
 * @param endMs   its end, likewise
 */
public record Recognition(String text, List<Word> words, String speaker, long startMs, long endMs) {

    /**
     * One recognized word.
     *
     * @param word       the word as the engine spells it
     * @param startMs    start time, as {@link Recognition#startMs}
     * @param endMs      end time
     * @param confidence 0 to 1, the engine's posterior probability of the word where it computes one, else null
     */
    public record Word(String word, long startMs, long endMs, Double confidence) {
    }

    public Recognition {
        words = List.copyOf(words);
    }

    /** The same recognition with every time moved by {@code deltaMs}. */
    public Recognition shifted(long deltaMs) {
        return new Recognition(text, words.stream()
                .map(w -> new Word(w.word(), w.startMs() + deltaMs, w.endMs() + deltaMs, w.confidence())).toList(),
                speaker, startMs + deltaMs, endMs + deltaMs);
    }
}
