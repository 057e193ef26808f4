package io.earshot.it.engine;

import io.earshot.config.EarshotConfig;
import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import io.earshot.engine.SpeakerTurn;
import io.earshot.engine.TranscriptionEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * A fast, deterministic engine for the integration tests whose subject is the transport, not recognition
 * ({@code earshot.engine=io.earshot.it.engine.EnergyEngine}): it finds the voiced stretches of a segment by
 * their energy and names each stretch with a word derived from its length and loudness, so the same audio
 * always gives the same words and different audio different ones. It loads nothing, takes microseconds per
 * segment, and honours {@link TranscriptionEngine}'s contract: no recognition for silence, one per stretch
 * between pauses, times from the segment's first sample, forced alignment and speaker turns for jobs.
 */
public final class EnergyEngine implements TranscriptionEngine {

    /** 20 ms analysis frames at 16 kHz. */
    static final int FRAME = 320;
    /** A frame is voiced above this RMS (about -40 dBFS). */
    static final double VOICED_RMS = 330;
    /** Pauses at least this long split recognitions; shorter ones split words. */
    static final int PAUSE_FRAMES = 15;
    /** Words longer than this are cut in two, so long speech gives several words. */
    static final int MAX_WORD_FRAMES = 25;
    private static final String[] VOCABULARY = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
        "hotel", "india", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra",
        "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"};

    /**
     * Test setting: milliseconds of sleep per second of audio recognized (default 0), to make a job last long enough
     * for a test to act while it transcribes (RestartIT kills the server mid-job). A sleep costs no processor time.
     */
    public static final String PACE = "earshot.test.energy.ms-per-second";

    private final long msPerSecond;

    /** Earshot's engine constructor; the settings are not needed, the pace is read from the system properties. */
    public EnergyEngine(EarshotConfig config) {
        msPerSecond = Long.getLong(PACE, 0);
    }

    @Override
    public String name() {
        return "energy";
    }

    @Override
    public void start() {
        // nothing to load
    }

    @Override
    public List<Recognition> recognize(short[] samples, int offset, int length) throws EngineException {
        check(samples, offset, length);
        pace(length);
        List<Recognition> out = new ArrayList<>();
        List<Recognition.Word> words = new ArrayList<>();
        for (int[] w : stretches(samples, offset, length, 3)) {
            if (!words.isEmpty() && w[0] - (int) (words.get(words.size() - 1).endMs() / 20) >= PAUSE_FRAMES) {
                out.add(recognition(words));
                words = new ArrayList<>();
            }
            words.add(new Recognition.Word(word(samples, offset, w), w[0] * 20L, w[1] * 20L, null));
        }
        if (!words.isEmpty()) {
            out.add(recognition(words));
        }
        return out;
    }

    /** The transcript's words spread over the voiced stretches in proportion to their length. */
    @Override
    public List<Recognition.Word> align(short[] samples, int offset, int length, String transcript)
            throws EngineException {
        check(samples, offset, length);
        String[] words = transcript.strip().isEmpty() ? new String[0] : transcript.strip().split("\\s+");
        List<int[]> voiced = stretches(samples, offset, length, 1);
        long total = voiced.stream().mapToLong(v -> v[1] - v[0]).sum();
        List<Recognition.Word> out = new ArrayList<>();
        if (total == 0) {
            return out;
        }
        for (int i = 0; i < words.length; i++) {
            long from = at(voiced, total * i / words.length);
            long to = Math.max(from + 1, at(voiced, total * (i + 1) / words.length));
            out.add(new Recognition.Word(words[i], from * 20, to * 20, null));
        }
        return out;
    }

    /** One turn per stretch between pauses; it cannot tell voices apart, so all of them are {@code S1}'s. */
    @Override
    public List<SpeakerTurn> diarize(short[] samples, int offset, int length) throws EngineException {
        List<SpeakerTurn> turns = new ArrayList<>();
        for (Recognition r : recognize(samples, offset, length)) {
            turns.add(new SpeakerTurn("S1", r.startMs(), r.endMs()));
        }
        return turns;
    }

    @Override
    public void close() {
        // nothing held
    }

    private void pace(int length) throws EngineException {
        if (msPerSecond > 0) {
            try {
                Thread.sleep(msPerSecond * length / 16_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted");
            }
        }
    }

    /** For each 20 ms frame of the samples (16 kHz), whether this engine takes it for voiced. */
    public static boolean[] voicedFrames(short[] samples) {
        boolean[] voiced = new boolean[samples.length / FRAME];
        for (int f = 0; f < voiced.length; f++) {
            voiced[f] = rms(samples, f * FRAME, FRAME) >= VOICED_RMS;
        }
        return voiced;
    }

    private static void check(short[] samples, int offset, int length) throws EngineException {
        if (offset < 0 || length < 0 || offset + length > samples.length) {
            throw new EngineException("segment " + offset + "+" + length + " outside " + samples.length + " samples");
        }
    }

    /**
     * Voiced stretches as [first frame, end frame): voiced frames joined across gaps shorter than
     * {@code joinFrames}, cut at {@link #MAX_WORD_FRAMES}.
     */
    static List<int[]> stretches(short[] samples, int offset, int length, int joinFrames) {
        int frames = length / FRAME;
        List<int[]> out = new ArrayList<>();
        int start = -1;
        int lastVoiced = -1;
        for (int f = 0; f < frames; f++) {
            boolean voiced = rms(samples, offset + f * FRAME, FRAME) >= VOICED_RMS;
            if (voiced) {
                if (start >= 0 && (f - lastVoiced > joinFrames || f - start >= MAX_WORD_FRAMES)) {
                    out.add(new int[] {start, lastVoiced + 1});
                    start = -1;
                }
                if (start < 0) {
                    start = f;
                }
                lastVoiced = f;
            }
        }
        if (start >= 0) {
            out.add(new int[] {start, lastVoiced + 1});
        }
        return out;
    }

    /** The frame at {@code voicedFrame} frames into the voiced stretches. */
    private static long at(List<int[]> voiced, long voicedFrame) {
        long left = voicedFrame;
        for (int[] v : voiced) {
            if (left <= v[1] - v[0]) {
                return v[0] + left;
            }
            left -= v[1] - v[0];
        }
        return voiced.get(voiced.size() - 1)[1];
    }

    private static String word(short[] samples, int offset, int[] stretch) {
        int from = offset + stretch[0] * FRAME;
        double level = rms(samples, from, (stretch[1] - stretch[0]) * FRAME);
        int loudness = (int) Math.round(20 * Math.log10(Math.max(level, 1)));
        return VOCABULARY[Math.floorMod((stretch[1] - stretch[0]) * 7 + loudness, VOCABULARY.length)];
    }

    private static Recognition recognition(List<Recognition.Word> words) {
        String text = String.join(" ", words.stream().map(Recognition.Word::word).toList());
        return new Recognition(text, words, null, words.get(0).startMs(), words.get(words.size() - 1).endMs());
    }

    private static double rms(short[] samples, int from, int n) {
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            sum += (double) samples[i] * samples[i];
        }
        return n == 0 ? 0 : Math.sqrt(sum / n);
    }
}
