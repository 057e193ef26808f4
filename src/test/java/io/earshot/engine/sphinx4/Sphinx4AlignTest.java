package io.earshot.engine.sphinx4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import io.earshot.engine.LibriVox;
import io.earshot.engine.Recognition;
import io.earshot.engine.Wer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Forced alignment by the Sphinx4 engine on the five LibriVox clips and their reference transcripts: real speech,
 * real model. One engine with two engine threads serves every test; its aligners load on the first alignment.
 */
class Sphinx4AlignTest {

    private static Sphinx4Engine engine;
    private static List<LibriVox.Clip> clips;

    @BeforeAll
    static void load() throws Exception {
        engine = SharedSphinx4.engine();
        clips = LibriVox.clips();
        long t0 = System.nanoTime();
        engine.align(clips.get(1).samples(), 0, clips.get(1).samples().length, clips.get(1).reference());
        System.out.printf("first alignment (loads an aligner): %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Measured: every reference word of every clip is placed (71 of 71). */
    @Test
    void placesTheWordsOfEachClipInOrderWithinTheClip() throws Exception {
        int placed = 0;
        int words = 0;
        for (LibriVox.Clip clip : clips) {
            long t0 = System.nanoTime();
            List<Recognition.Word> aligned = align(clip.samples(), clip.reference());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("%s (%.2f s): %d of %d words in %d ms: %s%n", clip.id(), clip.seconds(), aligned.size(),
                    Wer.words(clip.reference()).size(), ms, aligned);
            assertInOrderWithin(aligned, clip.samples().length);
            assertSubsequence(aligned, Wer.words(clip.reference()));
            placed += aligned.size();
            words += Wer.words(clip.reference()).size();
        }
        assertTrue(placed >= 0.95 * words, placed + " of " + words + " words placed");
    }

    /**
     * Clip A, 1 s of silence, clip B, aligned to A's transcript followed by B's: B's words must land in B and A's
     * in A. Measured: B's first word starts 190 to 260 ms after B does (the clips open with silence), within 10 ms
     * of where it starts when B is aligned alone; A's last word ends 230 to 320 ms before A does.
     */
    @Test
    void wordsLandInTheClipThatSaysThem() throws Exception {
        for (int i = 0; i < clips.size(); i++) {
            LibriVox.Clip a = clips.get(i);
            LibriVox.Clip b = clips.get((i + 1) % clips.size());
            short[] joined = new short[a.samples().length + 16_000 + b.samples().length];
            System.arraycopy(a.samples(), 0, joined, 0, a.samples().length);
            int bStart = a.samples().length + 16_000;
            System.arraycopy(b.samples(), 0, joined, bStart, b.samples().length);
            long bStartMs = bStart / 16;

            List<Recognition.Word> aligned = align(joined, a.reference() + " " + b.reference());
            assertInOrderWithin(aligned, joined.length);
            int aWords = Wer.words(a.reference()).size();
            assertEquals(aWords + Wer.words(b.reference()).size(), aligned.size(), aligned::toString);
            Recognition.Word aLast = aligned.get(aWords - 1);
            Recognition.Word bFirst = aligned.get(aWords);
            long bAloneStart = align(b.samples(), b.reference()).get(0).startMs();
            System.out.printf("%s + 1 s + %s: A's last word ends %d ms before B starts; B's first word starts %d ms"
                    + " after B does (%d ms when B is aligned alone)%n", a.id(), b.id(), bStartMs - aLast.endMs(),
                    bFirst.startMs() - bStartMs, bAloneStart);
            assertTrue(aLast.endMs() <= a.samples().length / 16, aLast + " is not in A");
            assertTrue(bFirst.startMs() >= bStartMs && bFirst.startMs() <= bStartMs + 300, bFirst + " vs " + bStartMs);
            assertEquals(bAloneStart, bFirst.startMs() - bStartMs, 30, bFirst.toString());
        }
    }

    /**
     * Alignment and recognition agree on where the words they share start. Measured over the 45 words they share
     * (recognition gets the others wrong): median 10 ms apart, at most 140 ms.
     */
    @Test
    void agreesWithRecognitionOnWordStarts() throws Exception {
        List<Long> differences = new ArrayList<>();
        for (LibriVox.Clip clip : clips) {
            List<Recognition.Word> aligned = align(clip.samples(), clip.reference());
            List<Recognition.Word> recognized = engine.recognize(clip.samples(), 0, clip.samples().length).stream()
                    .flatMap(r -> r.words().stream()).toList();
            for (int[] pair : commonWords(aligned, recognized)) {
                differences.add(Math.abs(aligned.get(pair[0]).startMs() - recognized.get(pair[1]).startMs()));
            }
        }
        long[] sorted = differences.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("alignment vs recognition, word starts over %d shared words: median %d ms, max %d ms%n",
                sorted.length, sorted[sorted.length / 2], sorted[sorted.length - 1]);
        assertTrue(sorted.length >= 35, Arrays.toString(sorted));
        assertTrue(sorted[sorted.length / 2] <= 30, Arrays.toString(sorted));
        assertTrue(sorted[sorted.length - 1] <= 250, Arrays.toString(sorted));
    }

    @Test
    void timesAreFromTheFirstSampleGiven() throws Exception {
        LibriVox.Clip clip = clips.get(4);
        short[] padded = new short[8_000 + clip.samples().length + 8_000];
        System.arraycopy(clip.samples(), 0, padded, 8_000, clip.samples().length);
        assertEquals(align(clip.samples(), clip.reference()),
                engine.align(padded, 8_000, clip.samples().length, clip.reference()));
    }

    @Test
    void anEmptyTranscriptGivesNoWords() throws Exception {
        assertEquals(List.of(), align(clips.get(0).samples(), ""));
        assertEquals(List.of(), align(clips.get(0).samples(), " ,.; -- "));
    }

    @Test
    void wordsTheDictionaryLacksAreLeftOut() throws Exception {
        LibriVox.Clip clip = clips.get(1);
        List<Recognition.Word> plain = align(clip.samples(), clip.reference());
        assertEquals(plain, align(clip.samples(), "He was NOT an ill-disposed, young man 1811 xqzvvk."));
    }

    /** "had purple then": "purple" is not said, and the words around it stay where they were. */
    @Test
    void aWordNeverSpokenIsSkipped() throws Exception {
        LibriVox.Clip clip = clips.get(0);
        List<Recognition.Word> plain = align(clip.samples(), clip.reference());
        List<Recognition.Word> extra = align(clip.samples(), clip.reference().replace("had then", "had purple then"));
        assertFalse(extra.stream().anyMatch(w -> w.word().equals("purple")), extra::toString);
        assertEquals(plain, extra);
    }

    @Test
    void confidenceIsNull() throws Exception {
        for (Recognition.Word w : align(clips.get(2).samples(), clips.get(2).reference())) {
            assertNull(w.confidence(), w::toString);
        }
    }

    @Test
    void silenceGivesWordsOnlyWithinIt() throws Exception {
        List<Recognition.Word> aligned = align(new short[32_000], clips.get(1).reference());
        assertInOrderWithin(aligned, 32_000);
    }

    @Test
    void failuresAreEngineExceptions() {
        short[] samples = clips.get(1).samples();
        assertThrows(EngineException.class, () -> engine.align(samples, 0, samples.length, null));
        assertThrows(EngineException.class, () -> engine.align(samples, samples.length, 16_000, "he was"));
        assertThrows(EngineException.class, () -> engine.align(samples, -1, 16_000, "he was"));
        assertThrows(EngineException.class, () -> engine.align(null, 0, 16_000, "he was"));
    }

    @Test
    void aClosedEngineDoesNotAlign() {
        Sphinx4Engine closed = new Sphinx4Engine(EarshotConfig.from(Map.of()));
        closed.close();
        short[] samples = clips.get(1).samples();
        assertThrows(EngineException.class, () -> closed.align(samples, 0, samples.length, "he was"));
    }

    /** Two aligners (the engine's two threads) serve six callers on four threads; alignment has no memory. */
    @Test
    void alignersServeSeveralThreadsAtOnceWithTheSameResults() throws Exception {
        LibriVox.Clip clip = clips.get(3);
        List<Recognition.Word> alone = align(clip.samples(), clip.reference());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Recognition.Word>>> runs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                runs.add(pool.submit(() -> align(clip.samples(), clip.reference())));
            }
            for (Future<List<Recognition.Word>> run : runs) {
                assertEquals(alone, run.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Recognition.Word> align(short[] samples, String transcript) throws EngineException {
        return engine.align(samples, 0, samples.length, transcript);
    }

    /** Words start in order, none overlaps the next, all lie within the audio. */
    private static void assertInOrderWithin(List<Recognition.Word> words, int samples) {
        long previousEnd = 0;
        for (Recognition.Word w : words) {
            assertTrue(w.startMs() >= previousEnd && w.endMs() >= w.startMs(), words::toString);
            assertTrue(w.endMs() <= samples / 16, w + " ends after the audio (" + samples / 16 + " ms)");
            previousEnd = w.endMs();
        }
    }

    private static void assertSubsequence(List<Recognition.Word> aligned, List<String> reference) {
        int r = 0;
        for (Recognition.Word w : aligned) {
            while (r < reference.size() && !reference.get(r).equals(w.word())) {
                r++;
            }
            assertTrue(r < reference.size(), w.word() + " is not in order in " + reference);
            r++;
        }
    }

    /** Index pairs of a longest common subsequence of the two word lists, by spelling. */
    private static List<int[]> commonWords(List<Recognition.Word> a, List<Recognition.Word> b) {
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).word().equals(b.get(j).word()) ? lcs[i + 1][j + 1] + 1
                        : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0, j = 0; i < a.size() && j < b.size();) {
            if (a.get(i).word().equals(b.get(j).word())) {
                pairs.add(new int[] {i++, j++});
            } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
                i++;
            } else {
                j++;
            }
        }
        return pairs;
    }
}
