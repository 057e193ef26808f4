package io.earshot.engine.sphinx4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.Signals;
import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import io.earshot.engine.LibriVox;
import io.earshot.engine.SpeakerTurn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Speaker turns from the Sphinx4 engine on conversations joined from real recordings (see
 * {@code audio/speakers/README.md}): the LibriVox reader taking turns with a synthetic woman, and with another man.
 * The true speaker changes are where one recording ends and the next begins.
 */
class Sphinx4DiarizeTest {

    private static final String SPEAKERS = "/audio/speakers/";

    /** Diarization loads nothing, so the engine is not started. */
    private static Sphinx4Engine engine;
    private static Map<String, short[]> librivox;

    @BeforeAll
    static void load() {
        engine = new Sphinx4Engine(EarshotConfig.from(Map.of("earshot.engine.threads", "2")));
        librivox = new HashMap<>();
        for (LibriVox.Clip clip : LibriVox.clips()) {
            librivox.put(clip.id().substring(clip.id().length() - 4), clip.samples());
        }
    }

    /** Measured: changes found 390 to 530 ms from the true ones (median 410 ms), none missed, none extra. */
    @Test
    void tellsTheLibriVoxReaderFromASyntheticWoman() throws Exception {
        Conversation c = new Conversation()
                .add("reader", librivox.get("0870")).add("woman", speaker("espeak-f4-1"))
                .add("reader", librivox.get("0890")).add("woman", speaker("espeak-f4-2"))
                .add("reader", librivox.get("0930")).add("woman", speaker("espeak-f4-3"));
        assertFindsTheSpeakersAndTheirChanges(c, 750);
    }

    /** Measured: changes found 110 to 650 ms from the true ones (median 240 ms), none missed, none extra. */
    @Test
    void tellsTheLibriVoxReaderFromAnotherMan() throws Exception {
        Conversation c = new Conversation()
                .add("reader", librivox.get("0880")).add("man", speaker("pocketsphinx-goforward"))
                .add("reader", librivox.get("0930")).add("man", speaker("pocketsphinx-numbers"))
                .add("reader", librivox.get("0890")).add("man", speaker("pocketsphinx-something"));
        assertFindsTheSpeakersAndTheirChanges(c, 750);
    }

    @Test
    void oneVoiceIsOneSpeaker() throws Exception {
        Conversation reader = new Conversation();
        for (String id : List.of("0870", "0880", "0890", "0920", "0930")) {
            reader.add("reader", librivox.get(id));
        }
        Conversation woman = new Conversation().add("woman", speaker("espeak-f4-1"))
                .add("woman", speaker("espeak-f4-2")).add("woman", speaker("espeak-f4-3"));
        Conversation man = new Conversation().add("man", speaker("pocketsphinx-goforward"))
                .add("man", speaker("pocketsphinx-numbers")).add("man", speaker("pocketsphinx-something"));
        for (Conversation c : List.of(reader, woman, man)) {
            List<SpeakerTurn> turns = diarize(c.samples());
            assertEquals(1, turns.size(), turns::toString);
            assertEquals("S1", turns.get(0).speaker());
            assertTrue(turns.get(0).startMs() < 600 && turns.get(0).endMs() > c.samples().length / 16 - 900,
                    turns::toString);
        }
    }

    @Test
    void silenceAndQuietNoiseGiveNoTurns() throws Exception {
        assertEquals(List.of(), diarize(new short[48_000]));
        Random random = new Random(1);
        short[] noise = new short[48_000];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (short) Math.round(random.nextGaussian() * 30);
        }
        assertEquals(List.of(), diarize(noise));
    }

    @Test
    void timesAreFromTheFirstSampleGiven() throws Exception {
        short[] clip = librivox.get("0880");
        short[] padded = new short[16_000 + clip.length + 16_000];
        System.arraycopy(clip, 0, padded, 16_000, clip.length);
        List<SpeakerTurn> alone = diarize(clip);
        assertEquals(alone, engine.diarize(padded, 16_000, clip.length));
        assertEquals(1, alone.size(), alone::toString);
    }

    @Test
    void failuresAreEngineExceptions() {
        short[] samples = new short[16_000];
        assertThrows(EngineException.class, () -> engine.diarize(samples, 8_000, 16_000));
        assertThrows(EngineException.class, () -> engine.diarize(samples, -1, 100));
        assertThrows(EngineException.class, () -> engine.diarize(null, 0, 100));
    }

    @Test
    void aClosedEngineDoesNotDiarize() {
        Sphinx4Engine closed = new Sphinx4Engine(EarshotConfig.from(Map.of()));
        closed.close();
        assertThrows(EngineException.class, () -> closed.diarize(new short[16_000], 0, 16_000));
    }

    @Test
    void callsOnSeveralThreadsGetTheSameTurns() throws Exception {
        short[] samples = new Conversation().add("reader", librivox.get("0880")).add("woman", speaker("espeak-f4-1"))
                .samples();
        List<SpeakerTurn> alone = diarize(samples);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<SpeakerTurn>>> runs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                runs.add(pool.submit(() -> diarize(samples)));
            }
            for (Future<List<SpeakerTurn>> run : runs) {
                assertEquals(alone, run.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * As many speakers as the conversation has, each true turn mostly labelled as its speaker's other turns, and
     * every true change matched by a found one within {@code toleranceMs}, with no other changes.
     */
    private static void assertFindsTheSpeakersAndTheirChanges(Conversation c, long toleranceMs) throws Exception {
        long t0 = System.nanoTime();
        List<SpeakerTurn> turns = diarize(c.samples());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("%.1f s diarized in %d ms: %s%n", c.samples().length / 16_000.0, ms, turns);

        Map<String, String> labelOf = new HashMap<>();
        for (Conversation.Turn truth : c.turns()) {
            String label = majorityLabel(turns, truth.startMs(), truth.endMs());
            String previous = labelOf.putIfAbsent(truth.speaker(), label);
            assertEquals(previous == null ? label : previous, label, truth + " in " + turns);
        }
        assertEquals(labelOf.size(), labelOf.values().stream().distinct().count(), labelOf + " in " + turns);
        assertEquals(labelOf.size(), turns.stream().map(SpeakerTurn::speaker).distinct().count(), turns::toString);

        List<Long> found = new ArrayList<>();
        for (int i = 1; i < turns.size(); i++) {
            found.add(turns.get(i).startMs());
        }
        List<Long> errors = new ArrayList<>();
        for (int i = 1; i < c.turns().size(); i++) {
            long truth = c.turns().get(i).startMs();
            errors.add(found.stream().mapToLong(f -> Math.abs(f - truth)).min().orElse(Long.MAX_VALUE));
        }
        System.out.printf("speaker changes: true %s, found %s, errors %s ms%n",
                c.turns().stream().skip(1).map(Conversation.Turn::startMs).toList(), found, errors);
        assertEquals(c.turns().size() - 1, found.size(), turns::toString);
        for (long e : errors) {
            assertTrue(e <= toleranceMs, "change found " + e + " ms away: " + errors);
        }
    }

    private static String majorityLabel(List<SpeakerTurn> turns, long from, long to) {
        Map<String, Long> overlap = new HashMap<>();
        for (SpeakerTurn t : turns) {
            long o = Math.min(t.endMs(), to) - Math.max(t.startMs(), from);
            if (o > 0) {
                overlap.merge(t.speaker(), o, Long::sum);
            }
        }
        return overlap.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("none");
    }

    /** Turns start in order, do not overlap, lie within the audio; neighbours differ; labels S1, S2, ... in order. */
    private static List<SpeakerTurn> diarize(short[] samples) throws EngineException {
        List<SpeakerTurn> turns = engine.diarize(samples, 0, samples.length);
        long previousEnd = 0;
        int labels = 0;
        for (int i = 0; i < turns.size(); i++) {
            SpeakerTurn t = turns.get(i);
            assertTrue(t.startMs() >= previousEnd && t.endMs() > t.startMs(), turns::toString);
            assertTrue(t.endMs() <= samples.length / 16 + 30, turns::toString);
            assertTrue(i == 0 || !t.speaker().equals(turns.get(i - 1).speaker()), turns::toString);
            int n = Integer.parseInt(t.speaker().substring(1));
            assertTrue(t.speaker().equals("S" + n) && n <= labels + 1, turns::toString);
            labels = Math.max(labels, n);
            previousEnd = t.endMs();
        }
        return turns;
    }

    private static short[] speaker(String name) {
        return Signals.resourceWav16(SPEAKERS + name + ".wav");
    }

    /** Recordings joined end to end, remembering whose each is. */
    private static final class Conversation {

        record Turn(String speaker, long startMs, long endMs) {
        }

        private final List<Turn> turns = new ArrayList<>();
        private short[] samples = new short[0];

        Conversation add(String speaker, short[] recording) {
            short[] joined = Arrays.copyOf(samples, samples.length + recording.length);
            System.arraycopy(recording, 0, joined, samples.length, recording.length);
            turns.add(new Turn(speaker, samples.length / 16L, joined.length / 16L));
            samples = joined;
            return this;
        }

        short[] samples() {
            return samples;
        }

        List<Turn> turns() {
            return turns;
        }
    }
}
