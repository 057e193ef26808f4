package io.earshot.it.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import io.earshot.engine.LibriVox;
import io.earshot.engine.Recognition;
import io.earshot.engine.SpeakerTurn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test engine keeps the engine contract, so the ITs that run on it check something real. */
class EnergyEngineTest {

    private final EnergyEngine engine = new EnergyEngine(EarshotConfig.from(Map.of()));
    private final short[] speech = LibriVox.clips().get(0).samples();

    @Test
    void silenceIsNoRecognition() throws Exception {
        assertEquals(List.of(), engine.recognize(new short[32_000], 0, 32_000));
        assertEquals(List.of(), engine.align(new short[32_000], 0, 32_000, "nothing to place"));
    }

    @Test
    void speechGivesWordsThatDependOnTheAudioAndOnlyOnIt() throws Exception {
        List<Recognition> once = engine.recognize(speech, 0, speech.length);
        assertEquals(once, engine.recognize(speech.clone(), 0, speech.length), "deterministic");
        List<Recognition.Word> words = once.stream().flatMap(r -> r.words().stream()).toList();
        assertTrue(words.size() >= 3, once::toString);
        long previousEnd = 0;
        for (Recognition r : once) {
            assertEquals(String.join(" ", r.words().stream().map(Recognition.Word::word).toList()), r.text());
            assertEquals(r.words().get(0).startMs(), r.startMs());
            assertEquals(r.words().get(r.words().size() - 1).endMs(), r.endMs());
            for (Recognition.Word w : r.words()) {
                assertTrue(w.startMs() >= previousEnd && w.endMs() > w.startMs(), w::toString);
                previousEnd = w.endMs();
            }
        }
        assertTrue(previousEnd <= speech.length / 16, "within the segment");
        short[] quieter = new short[speech.length];
        for (int i = 0; i < speech.length; i++) {
            quieter[i] = (short) (speech[i] / 4);
        }
        assertNotEquals(once, engine.recognize(quieter, 0, quieter.length), "other audio, other words");
    }

    @Test
    void aPauseSplitsRecognitionsAndTimesCountFromTheSegmentsFirstSample() throws Exception {
        short[] twice = new short[8_000 + 2 * speech.length + 16_000];
        System.arraycopy(speech, 0, twice, 8_000, speech.length);
        System.arraycopy(speech, 0, twice, 8_000 + speech.length + 16_000, speech.length);
        List<Recognition> alone = engine.recognize(speech, 0, speech.length);
        List<Recognition> both = engine.recognize(twice, 8_000, twice.length - 8_000);
        assertEquals(2 * alone.size(), both.size(), both::toString);
        long shift = (speech.length + 16_000) / 16;
        for (int i = 0; i < alone.size(); i++) {
            assertEquals(alone.get(i), both.get(i));
            assertEquals(alone.get(i).shifted(shift), both.get(alone.size() + i));
        }
    }

    @Test
    void alignmentPlacesEveryWordInOrderInsideTheSpeech() throws Exception {
        List<Recognition.Word> placed = engine.align(speech, 0, speech.length, "he was not an ill disposed young man");
        assertEquals(List.of("he", "was", "not", "an", "ill", "disposed", "young", "man"),
                placed.stream().map(Recognition.Word::word).toList());
        long previousStart = -1;
        for (Recognition.Word w : placed) {
            assertTrue(w.startMs() > previousStart && w.endMs() > w.startMs() && w.endMs() <= speech.length / 16,
                    w::toString);
            previousStart = w.startMs();
        }
    }

    @Test
    void speakerTurnsCoverTheRecognitionsWithOneLabel() throws Exception {
        List<SpeakerTurn> turns = engine.diarize(speech, 0, speech.length);
        List<Recognition> recognized = engine.recognize(speech, 0, speech.length);
        assertEquals(recognized.size(), turns.size());
        for (int i = 0; i < turns.size(); i++) {
            assertEquals(new SpeakerTurn("S1", recognized.get(i).startMs(), recognized.get(i).endMs()), turns.get(i));
        }
    }

    @Test
    void aSegmentOutsideTheArrayIsAnEngineFailure() {
        assertThrows(EngineException.class, () -> engine.recognize(new short[100], 50, 100));
    }
}
