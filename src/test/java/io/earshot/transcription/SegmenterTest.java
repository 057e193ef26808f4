package io.earshot.transcription;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.Signals;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The voice activity segmenter on real read speech (LibriVox clips) in silence and in noise, on clicks, on
 * noise alone and on long continuous speech; exact offsets, chunking invariance and bounded holding.
 */
class SegmenterTest {

    private static final int MS = 16;
    private static final String[] CLIP_IDS = {"0870", "0880", "0890", "0920", "0930"};
    private static final short[][] CLIPS = new short[CLIP_IDS.length][];

    static {
        for (int i = 0; i < CLIP_IDS.length; i++) {
            CLIPS[i] = Signals.resourceWav16("/audio/librivox/sense_and_sensibility_01_austen_64kb-" + CLIP_IDS[i]
                    + ".wav");
        }
    }

    private static final Segmenter.Settings DEFAULTS = Segmenter.Settings.defaults();
    private static final int PRE_ROLL = DEFAULTS.preRollMs() * MS;
    private static final int MAX = DEFAULTS.maxUtteranceMs() * MS;

    private record Utterance(long start, short[] samples) {
        long end() {
            return start + samples.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Utterance u && u.start == start && Arrays.equals(u.samples, samples);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(start) * 31 + Arrays.hashCode(samples);
        }

        @Override
        public String toString() {
            return start / MS + ".." + end() / MS + " ms";
        }
    }

    /** A test stream and where each clip sits in it. */
    private record Built(short[] samples, int[] clipStarts) {
        int clipEnd(int i) {
            return clipStarts[i] + CLIPS[i].length;
        }
    }

    /**
     * Runs {@code stream} through a segmenter in chunks of {@code chunk} samples (0: random sizes up to 5000) and
     * checks on the way what must hold for any stream: settled never goes back, never passes accepted, holds
     * back at most an utterance and its pre-roll, and catches up with accepted at the end; every utterance is
     * the stream's own samples at its offset, in order, none overlapping another.
     */
    private static List<Utterance> segment(Segmenter.Settings settings, short[] stream, int chunk) {
        List<Utterance> out = new ArrayList<>();
        Segmenter segmenter = new Segmenter(settings, (start, samples, length) ->
                out.add(new Utterance(start, Arrays.copyOf(samples, length))));
        int maxHeld = (settings.maxUtteranceMs() + settings.preRollMs()) * MS + Segmenter.FRAME;
        Random sizes = new Random(42);
        long lastSettled = 0;
        for (int off = 0; off < stream.length; ) {
            int n = Math.min(chunk > 0 ? chunk : 1 + sizes.nextInt(5_000), stream.length - off);
            segmenter.accept(stream, off, n);
            off += n;
            long settled = segmenter.settledSamples();
            assertEquals(off, segmenter.acceptedSamples());
            assertTrue(settled >= lastSettled, "settled went back from " + lastSettled + " to " + settled);
            assertTrue(settled <= off, "settled " + settled + " ahead of accepted " + off);
            assertTrue(off - settled <= maxHeld, "holds " + (off - settled) + " samples");
            if (!out.isEmpty()) {
                assertTrue(out.get(out.size() - 1).end() <= settled, "an emitted utterance is not settled");
            }
            lastSettled = settled;
        }
        segmenter.finish();
        assertEquals(stream.length, segmenter.settledSamples());
        assertEquals(stream.length, segmenter.acceptedSamples());
        long previousEnd = 0;
        for (Utterance u : out) {
            assertTrue(u.start() >= previousEnd, "utterance " + u + " overlaps or precedes the one before");
            assertTrue(u.samples().length <= settings.maxUtteranceMs() * MS, "utterance " + u + " too long");
            assertArrayEquals(Arrays.copyOfRange(stream, (int) u.start(), (int) u.end()), u.samples(),
                    "utterance " + u + " is not the stream's audio at its offset");
            previousEnd = u.end();
        }
        return out;
    }

    private static List<Utterance> segment(short[] stream) {
        return segment(DEFAULTS, stream, 960);
    }

    /** Gaussian noise at {@code dbfs} RMS, or digital silence when {@code dbfs} is null. */
    private static short[] noise(int n, Double dbfs, long seed) {
        short[] s = new short[n];
        if (dbfs != null) {
            Random r = new Random(seed);
            double sigma = 32768 * Math.pow(10, dbfs / 20);
            for (int i = 0; i < n; i++) {
                s[i] = (short) Math.max(-32768, Math.min(32767, Math.round(r.nextGaussian() * sigma)));
            }
        }
        return s;
    }

    /** The five clips, with 1 s before, 2 s between and 1 s after them of {@code background}. */
    private static Built clipsIn(Double background) {
        int lead = 1_000 * MS;
        int gap = 2_000 * MS;
        int total = lead;
        for (short[] clip : CLIPS) {
            total += clip.length + gap;
        }
        short[] stream = noise(total, background, 7);
        int[] starts = new int[CLIPS.length];
        int p = lead;
        for (int i = 0; i < CLIPS.length; i++) {
            starts[i] = p;
            System.arraycopy(CLIPS[i], 0, stream, p, CLIPS[i].length);
            p += CLIPS[i].length + gap;
        }
        return new Built(stream, starts);
    }

    private static double energyDb(short[] s, int from, int n) {
        return 20 * Math.log10(Signals.rms(s, from, from + n) + 1e-9);
    }

    /** Each clip is exactly one utterance, starting no earlier than the pre-roll before it and ending after it. */
    private static void assertOneUtterancePerClip(Built built, List<Utterance> utterances) {
        assertEquals(CLIPS.length, utterances.size(), "utterances " + utterances);
        for (int i = 0; i < CLIPS.length; i++) {
            Utterance u = utterances.get(i);
            int start = built.clipStarts()[i];
            assertTrue(Math.abs(u.start() - start) <= PRE_ROLL,
                    CLIP_IDS[i] + " starts at " + start / MS + " ms, its utterance at " + u);
            assertTrue(u.end() >= start + lastSpeech(CLIPS[i]),
                    CLIP_IDS[i] + " spans " + start / MS + ".." + built.clipEnd(i) / MS + " ms, its utterance " + u);
            if (i + 1 < CLIPS.length) {
                assertTrue(u.end() <= built.clipStarts()[i + 1], "utterance " + u + " runs into the next clip");
            }
        }
    }

    /** End of the last clearly voiced frame (above -35 dBFS) of a clip. */
    private static int lastSpeech(short[] clip) {
        int last = 0;
        for (int f = 0; f + Segmenter.FRAME <= clip.length; f += Segmenter.FRAME) {
            if (energyDb(clip, f, Segmenter.FRAME) > -35) {
                last = f + Segmenter.FRAME;
            }
        }
        return last;
    }

    /** Every clearly voiced frame (above -35 dBFS) of {@code speech}, placed at {@code at}, lies inside an utterance. */
    private static void assertSpeechCovered(short[] speech, int at, List<Utterance> utterances) {
        for (int f = 0; f + Segmenter.FRAME <= speech.length; f += Segmenter.FRAME) {
            if (energyDb(speech, f, Segmenter.FRAME) > -35) {
                long frame = at + f;
                assertTrue(utterances.stream().anyMatch(u -> u.start() <= frame && frame + Segmenter.FRAME <= u.end()),
                        "speech at " + frame / MS + " ms is in no utterance: " + utterances);
            }
        }
    }

    private static void assertClipSpeechCovered(Built built, List<Utterance> utterances) {
        for (int i = 0; i < CLIPS.length; i++) {
            assertSpeechCovered(CLIPS[i], built.clipStarts()[i], utterances);
        }
    }

    @Test
    void eachClipIsOneUtteranceBetweenSilences() {
        Built built = clipsIn(null);
        List<Utterance> utterances = segment(built.samples());
        assertOneUtterancePerClip(built, utterances);
        assertClipSpeechCovered(built, utterances);
    }

    @ParameterizedTest
    @ValueSource(doubles = {-60, -45, -35})
    void eachClipIsOneUtteranceBetweenStretchesOfNoise(double noiseDbfs) {
        Built built = clipsIn(noiseDbfs);
        List<Utterance> utterances = segment(built.samples());
        assertOneUtterancePerClip(built, utterances);
        assertClipSpeechCovered(built, utterances);
    }

    @Test
    void aClipAloneIsOneUtteranceWithItsPreRollAndHangover() {
        for (int i = 0; i < CLIPS.length; i++) {
            short[] stream = new short[CLIPS[i].length + 2_000 * MS];
            System.arraycopy(CLIPS[i], 0, stream, 1_000 * MS, CLIPS[i].length);
            List<Utterance> utterances = segment(stream);
            assertEquals(1, utterances.size(), CLIP_IDS[i] + ": " + utterances);
            // The clip's own background clears the absolute threshold, so the utterance opens on its first frame.
            assertEquals(1_000 * MS - PRE_ROLL, utterances.get(0).start(), CLIP_IDS[i]);
        }
    }

    @Test
    void preRollAndHangoverAreKeptToTheFrame() {
        // A 500 ms tone starting 37 samples into frame 100 and ending 37 samples into frame 150.
        short[] stream = new short[3 * 16_000];
        int onset = 100 * Segmenter.FRAME + 37;
        short[] tone = Signals.toShorts(Signals.sine(16_000, 440, 0.1, 500 * MS));
        System.arraycopy(tone, 0, stream, onset, tone.length);
        List<Utterance> utterances = segment(stream);
        assertEquals(1, utterances.size(), utterances.toString());
        assertEquals(100 * Segmenter.FRAME - PRE_ROLL, utterances.get(0).start());
        assertEquals(151 * Segmenter.FRAME + DEFAULTS.hangoverMs() * MS, utterances.get(0).end());
    }

    @Test
    void silenceAloneYieldsNothing() {
        assertEquals(List.of(), segment(new short[30 * 16_000]));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-70, -60, -45, -30})
    void steadyNoiseAloneYieldsNothing(double noiseDbfs) {
        assertEquals(List.of(), segment(noise(30 * 16_000, noiseDbfs, 3)));
    }

    @Test
    void noiseThatStartsAfterSilenceYieldsNothing() {
        // The floor sits on digital silence when the noise starts; it must catch up without an utterance.
        short[] stream = new short[12 * 16_000];
        short[] noise = noise(10 * 16_000, -45.0, 5);
        System.arraycopy(noise, 0, stream, 2 * 16_000, noise.length);
        assertEquals(List.of(), segment(stream));
    }

    @Test
    void noiseThatGetsLouderYieldsNothing() {
        short[] stream = noise(12 * 16_000, -60.0, 9);
        short[] louder = noise(10 * 16_000, -35.0, 5);
        for (int i = 0; i < louder.length; i++) {
            stream[2 * 16_000 + i] += louder[i];
        }
        assertEquals(List.of(), segment(stream));
    }

    @Test
    void aClickInSilenceYieldsNothing() {
        assertEquals(List.of(), segment(withClick(new short[4 * 16_000])));
    }

    @Test
    void aClickInLowNoiseYieldsNothing() {
        assertEquals(List.of(), segment(withClick(noise(4 * 16_000, -60.0, 11))));
    }

    /** A 5 ms burst near full scale at 2 s, straddling two frames. */
    private static short[] withClick(short[] stream) {
        Random r = new Random(1);
        for (int i = 0; i < 5 * MS; i++) {
            stream[2 * 16_000 + 50 + i] = (short) (r.nextBoolean() ? 20_000 : -20_000);
        }
        return stream;
    }

    @ParameterizedTest
    @ValueSource(doubles = {-60, -45, -30})
    void theNoiseFloorSettlesOnSteadyNoise(double noiseDbfs) {
        // The floor starts on digital silence, so the noise arrives as a step.
        short[] stream = new short[6 * 16_000];
        short[] noise = noise(5 * 16_000, noiseDbfs, 13);
        System.arraycopy(noise, 0, stream, 16_000, noise.length);
        Segmenter segmenter = new Segmenter(DEFAULTS, (start, samples, length) -> { });
        segmenter.accept(stream, 0, stream.length);
        assertEquals(noiseDbfs, segmenter.noiseFloorDb(), 3, "floor after 5 s of noise");
    }

    /** About 40 s of speech with no pause longer than the clips' own: each clip trimmed to its voiced part. */
    private static short[] continuousSpeech() {
        List<short[]> parts = new ArrayList<>();
        int total = 0;
        for (int k = 0; total < 40 * 16_000; k++) {
            short[] clip = CLIPS[k % CLIPS.length];
            int first = -1;
            for (int f = 0; first < 0; f += Segmenter.FRAME) {
                if (energyDb(clip, f, Segmenter.FRAME) > -35) {
                    first = f;
                }
            }
            short[] voiced = Arrays.copyOfRange(clip, first, lastSpeech(clip));
            parts.add(voiced);
            total += voiced.length;
        }
        short[] stream = new short[total];
        int p = 0;
        for (short[] part : parts) {
            System.arraycopy(part, 0, stream, p, part.length);
            p += part.length;
        }
        return stream;
    }

    @Test
    void continuousSpeechIsCutIntoPiecesNoLongerThanTheMaximumAtQuietPlaces() {
        short[] stream = continuousSpeech();
        List<Utterance> utterances = segment(stream);
        assertTrue(utterances.size() >= 3, "40 s in pieces of at most 15 s: " + utterances);
        assertEquals(0, utterances.get(0).start());
        assertEquals(stream.length, utterances.get(utterances.size() - 1).end());
        double[] sorted = new double[stream.length / Segmenter.FRAME];
        for (int f = 0; f < sorted.length; f++) {
            sorted[f] = energyDb(stream, f * Segmenter.FRAME, Segmenter.FRAME);
        }
        Arrays.sort(sorted);
        double quietTenth = sorted[sorted.length / 10];
        for (int i = 1; i < utterances.size(); i++) {
            long cut = utterances.get(i).start();
            // No pause is long enough to end an utterance, so each piece begins where the one before was cut.
            assertEquals(utterances.get(i - 1).end(), cut, "pieces " + utterances);
            double around = energyDb(stream, (int) cut - 2 * Segmenter.FRAME, 4 * Segmenter.FRAME);
            assertTrue(around < quietTenth, "cut at " + cut / MS + " ms where the audio is at " + around
                    + " dBFS, louder than the quietest tenth of the stream (" + quietTenth + " dBFS)");
        }
        assertSpeechCovered(stream, 0, utterances);
    }

    @Test
    void aShorterMaximumCutsTheClipsAndStillCoversTheirSpeech() {
        Segmenter.Settings settings = new Segmenter.Settings(300, 500, 150, 2_000, 10);
        Built built = clipsIn(-45.0);
        List<Utterance> utterances = segment(settings, built.samples(), 333);
        assertTrue(utterances.size() > CLIPS.length, utterances.toString());
        assertClipSpeechCovered(built, utterances);
    }

    @ParameterizedTest
    @ValueSource(ints = {160, 333, 4_096, 0})
    void utterancesDoNotDependOnHowTheStreamIsChunked(int chunk) {
        for (short[] stream : new short[][] {clipsIn(-45.0).samples(), continuousSpeech()}) {
            List<Utterance> oneByOne = segment(DEFAULTS, stream, 1);
            assertEquals(oneByOne, segment(DEFAULTS, stream, chunk), "chunks of " + chunk);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0,0,0,1000", "0,500,150,1000", "300,0,0,1000", "2000,40,0,3000", "15,15,15,1000"})
    void extremeSettingsKeepOffsetsExactAndIndependentOfChunking(String values) {
        int[] v = Arrays.stream(values.split(",")).mapToInt(Integer::parseInt).toArray();
        Segmenter.Settings settings = new Segmenter.Settings(v[0], v[1], v[2], v[3], 10);
        for (short[] stream : new short[][] {clipsIn(-45.0).samples(), continuousSpeech()}) {
            List<Utterance> reference = segment(settings, stream, 4_096);
            assertTrue(!reference.isEmpty(), values);
            assertEquals(reference, segment(settings, stream, 1), values);
            assertEquals(reference, segment(settings, stream, 0), values);
        }
    }

    @Test
    void finishEmitsTheUtteranceInProgressUpToTheLastSample() {
        // Half a clip after a second of silence, cut off mid-speech, and not a whole number of frames long.
        short[] stream = new short[1_000 * MS + CLIPS[0].length / 2 + 77];
        System.arraycopy(CLIPS[0], 0, stream, 1_000 * MS, stream.length - 1_000 * MS);
        List<Utterance> out = new ArrayList<>();
        Segmenter segmenter = new Segmenter(DEFAULTS, (start, samples, length) ->
                out.add(new Utterance(start, Arrays.copyOf(samples, length))));
        segmenter.accept(stream, 0, stream.length);
        assertEquals(List.of(), out, "nothing before the end of the utterance");
        assertEquals(1_000 * MS - PRE_ROLL, segmenter.settledSamples());
        segmenter.finish();
        assertEquals(1, out.size());
        assertEquals(1_000 * MS - PRE_ROLL, out.get(0).start());
        assertEquals(stream.length, out.get(0).end());
        assertEquals(stream.length, segmenter.settledSamples());
        segmenter.finish();
        assertEquals(1, out.size(), "a second finish emits nothing");
        assertThrows(IllegalStateException.class, () -> segmenter.accept(stream, 0, 1));
    }

    @Test
    void finishDropsAPendingBurstWithTooLittleSpeech() {
        short[] stream = new short[1_000 * MS + 5 * MS];
        Arrays.fill(stream, 1_000 * MS, stream.length, (short) 20_000);
        List<Utterance> out = new ArrayList<>();
        Segmenter segmenter = new Segmenter(DEFAULTS, (start, samples, length) ->
                out.add(new Utterance(start, Arrays.copyOf(samples, length))));
        segmenter.accept(stream, 0, stream.length);
        segmenter.finish();
        assertEquals(List.of(), out);
        assertEquals(stream.length, segmenter.settledSamples());
    }

    @Test
    void steadyStateProcessingAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        short[] stream = clipsIn(-45.0).samples();
        int[] utterances = new int[1];
        Segmenter segmenter = new Segmenter(DEFAULTS, (start, samples, length) -> utterances[0]++);
        // The first pass grows the utterance buffer to the longest utterance and warms the code up.
        for (int off = 0; off < stream.length; off += 320) {
            segmenter.accept(stream, off, Math.min(320, stream.length - off));
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int off = 0; off < stream.length; off += 320) {
            segmenter.accept(stream, off, Math.min(320, stream.length - off));
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertEquals(10, utterances[0]);
        assertTrue(allocated < 1_024, allocated + " bytes allocated for " + stream.length / MS + " ms of audio");
    }

    @Test
    void invalidSettingsAreRejectedNamingTheSetting() {
        assertRejected("preRollMs", () -> new Segmenter.Settings(-1, 500, 150, 15_000, 10));
        assertRejected("preRollMs", () -> new Segmenter.Settings(2_001, 500, 150, 15_000, 10));
        assertRejected("hangoverMs", () -> new Segmenter.Settings(300, -10, 150, 15_000, 10));
        assertRejected("minSpeechMs", () -> new Segmenter.Settings(300, 500, -1, 15_000, 10));
        assertRejected("maxUtteranceMs", () -> new Segmenter.Settings(300, 500, 150, 999, 10));
        assertRejected("maxUtteranceMs", () -> new Segmenter.Settings(300, 500, 150, 120_001, 10));
        assertRejected("maxUtteranceMs", () -> new Segmenter.Settings(2_000, 5_000, 5_000, 10_000, 10));
        assertRejected("thresholdDb", () -> new Segmenter.Settings(300, 500, 150, 15_000, 0));
        assertRejected("thresholdDb", () -> new Segmenter.Settings(300, 500, 150, 15_000, Double.NaN));
        assertRejected("thresholdDb", () -> new Segmenter.Settings(300, 500, 150, 15_000, 41));
        assertThrows(IllegalArgumentException.class, () -> new Segmenter(null, (s, a, n) -> { }));
        assertThrows(IllegalArgumentException.class, () -> new Segmenter(DEFAULTS, null));
    }

    private static void assertRejected(String setting, Executable construct) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct);
        assertTrue(e.getMessage().startsWith(setting), e.getMessage());
    }
}
