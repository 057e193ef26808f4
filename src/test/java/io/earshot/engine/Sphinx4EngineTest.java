package io.earshot.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded Sphinx4 engine with Earshot's default beams, on the five LibriVox clips: real speech, real
 * model. One engine with two recognizers serves every test (loading one takes a second or two).
 */
class Sphinx4EngineTest {

    private static Sphinx4Engine engine;

    @BeforeAll
    static void load() throws Exception {
        engine = new Sphinx4Engine(EarshotConfig.from(Map.of("earshot.engine.threads", "2")));
        engine.start();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /**
     * Measured with the default beams: 7 word errors in 64 reference words (10.9 %); the bound leaves room for
     * a different JVM's floating point, not for a worse engine.
     */
    @Test
    void transcribesTheLibriVoxClipsWithinTheWordErrorBound() throws Exception {
        int errors = 0;
        int words = 0;
        for (LibriVox.Clip clip : LibriVox.clips()) {
            List<Recognition> r = engine.recognize(clip.samples(), 0, clip.samples().length);
            String text = String.join(" ", r.stream().map(Recognition::text).toList());
            int e = Wer.errors(Wer.words(clip.reference()), Wer.words(text));
            System.out.printf("%s: %d errors / %d words: %s%n", clip.id(), e, Wer.words(clip.reference()).size(), text);
            errors += e;
            words += Wer.words(clip.reference()).size();
            for (Recognition rec : r) {
                assertTrue(rec.startMs() >= 0 && rec.endMs() <= clip.samples().length / 16 + 20, rec::toString);
                long previousEnd = 0;
                for (Recognition.Word w : rec.words()) {
                    assertTrue(w.startMs() >= previousEnd && w.endMs() >= w.startMs(), rec::toString);
                    assertTrue(w.confidence() == null || w.confidence() >= 0 && w.confidence() <= 1, rec::toString);
                    previousEnd = w.startMs();
                }
            }
        }
        System.out.printf("Sphinx4 on LibriVox: WER %.1f %% (%d / %d)%n", 100.0 * errors / words, errors, words);
        assertTrue(errors <= 0.45 * words, "WER " + errors + "/" + words);
    }

    @Test
    void silenceAndNoiseGiveNoWords() throws Exception {
        assertEquals(List.of(), engine.recognize(new short[16_000], 0, 16_000));
    }

    @Test
    void recognizersServeSeveralThreadsAtOnceWithTheSameResults() throws Exception {
        LibriVox.Clip clip = LibriVox.clips().get(1);
        String alone = String.join(" ", engine.recognize(clip.samples(), 0, clip.samples().length).stream()
                .map(Recognition::text).toList());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                runs.add(pool.submit(() -> String.join(" ", engine.recognize(clip.samples(), 0,
                        clip.samples().length).stream().map(Recognition::text).toList())));
            }
            for (Future<String> run : runs) {
                assertEquals(alone, run.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
