package io.earshot.transcription;

import java.util.Arrays;

/**
 * Cuts one live stream's audio (16 kHz mono 16-bit, in chunks of any size) into utterances for the recognizer,
 * dropping the silence between them. The recognizer decodes each utterance on its own, so a word cut in two is
 * a word lost: an utterance keeps {@code preRollMs} of audio before its first speech frame (soft onsets such as
 * "h" or "f" sit below the threshold) and {@code hangoverMs} after its last one (so do trailing fricatives and
 * the pauses inside a sentence).
 *
 * <p>Speech is found by energy in 10 ms frames against an adaptive noise floor, as the recognizer's own
 * endpointer does it (Sphinx4's level tracker: 10 dB threshold, floor rising 0.3% of the way per frame): the
 * floor falls quickly to quieter frames and creeps up slowly (time constant about 3 s), so it settles on the
 * pauses between words whether the room is silent or noisy. A frame is speech when it is
 * {@code thresholdDb} above the floor and above {@link #ABSOLUTE_THRESHOLD_DBFS}; the latter keeps the hiss of
 * a clean recording from counting as speech when the floor sits on digital silence. Noise that suddenly gets
 * louder would look like speech until the floor caught up; a second of frames that vary by no more than
 * {@link #STATIONARY_SPAN_DB} (speech swings by far more, syllable by syllable) lifts the floor at once, and an
 * utterance that only that noise had started is dropped again.
 *
 * <p>Bursts with less than {@code minSpeechMs} of speech frames in all (clicks, knocks) are dropped. An utterance
 * that reaches {@code maxUtteranceMs} is cut at the quietest 50 ms of its last two seconds, not mid-word, and
 * the rest carries on as the next utterance.
 *
 * <p>Every sample of the stream ends up either in exactly one utterance, in order, or dropped as silence, and
 * the result does not depend on how the stream was chunked: everything is decided per whole frame at fixed
 * stream offsets. Memory is bounded: the utterance buffer grows to at most {@code maxUtteranceMs} and the
 * pre-roll ring holds {@code preRollMs}; nothing is allocated per chunk or per frame. One caller at a time
 * feeds it; {@link #acceptedSamples} and {@link #settledSamples} may be read from any thread.
 */
public final class Segmenter {

    /**
     * Receives each utterance: its first sample's offset in the stream (samples since the stream's start) and
     * its samples (the array may be reused after the call returns; copy what you keep). Called on the thread
     * that calls {@link #accept} or {@link #finish}.
     */
    public interface Listener {
        void utterance(long startSample, short[] samples, int length);
    }

    /**
     * Segmentation settings; durations are rounded to whole 10 ms frames (up, except {@code maxUtteranceMs},
     * which is rounded down so that no utterance exceeds it). Validated here because they come from
     * configuration: a bad value fails at startup with a message naming it.
     *
     * @param preRollMs audio kept before the first speech frame of an utterance
     * @param hangoverMs non-speech after the last speech frame that ends an utterance, and is kept in it
     * @param minSpeechMs speech frames, in all, an utterance needs; fewer and it is dropped as noise
     * @param maxUtteranceMs longest utterance; a longer one is cut into pieces
     * @param thresholdDb how far above the noise floor a frame must be to count as speech
     */
    public record Settings(int preRollMs, int hangoverMs, int minSpeechMs, int maxUtteranceMs, double thresholdDb) {

        public Settings {
            require(preRollMs >= 0 && preRollMs <= 2_000, "preRollMs must be between 0 and 2000, was " + preRollMs);
            require(hangoverMs >= 0 && hangoverMs <= 5_000,
                    "hangoverMs must be between 0 and 5000, was " + hangoverMs);
            require(minSpeechMs >= 0 && minSpeechMs <= 5_000,
                    "minSpeechMs must be between 0 and 5000, was " + minSpeechMs);
            require(maxUtteranceMs >= 1_000 && maxUtteranceMs <= 120_000,
                    "maxUtteranceMs must be between 1000 and 120000, was " + maxUtteranceMs);
            require(maxUtteranceMs > preRollMs + hangoverMs + minSpeechMs,
                    "maxUtteranceMs (" + maxUtteranceMs + ") must exceed preRollMs + hangoverMs + minSpeechMs ("
                            + (preRollMs + hangoverMs + minSpeechMs) + ")");
            require(thresholdDb > 0 && thresholdDb <= 40,
                    "thresholdDb must be above 0 and at most 40 dB, was " + thresholdDb);
        }

        /**
         * 300 ms pre-roll; 500 ms hangover, well over the pauses inside a sentence of read speech (under 200 ms
         * in the LibriVox test clips), so a sentence stays whole while the utterance still ends half a second
         * after the speech; 150 ms of speech at least (a click or a knock has less, a word said alone more);
         * 15 s at most; 10 dB above the floor (the recognizer's own endpointer uses 10 dB too).
         */
        public static Settings defaults() {
            return new Settings(300, 500, 150, 15_000, 10.0);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** Samples per frame: 10 ms at 16 kHz. */
    static final int FRAME = 160;
    /** No frame quieter than this counts as speech, however low the floor: the hiss of a clean recording. */
    static final double ABSOLUTE_THRESHOLD_DBFS = -55;
    /** Energy given to a frame of digital silence (whose logarithm would be minus infinity). */
    static final double SILENCE_DBFS = -100;
    /** Fraction of the distance to a quieter frame the floor falls per frame: fast, yet one dropout is not enough. */
    static final double FLOOR_FALL = 0.5;
    /** Fraction of the distance to a louder frame the floor rises per frame: a time constant of about 3 s. */
    static final double FLOOR_RISE = 0.003;
    /** Frames (1 s) over which steady noise is recognized. */
    static final int STATIONARY_FRAMES = 100;
    /** Largest spread of frame energies, in dB, that counts as steady noise; speech spreads over 20 dB or more. */
    static final double STATIONARY_SPAN_DB = 6;
    /** Frames (2 s) at the end of an over-long utterance searched for the place to cut it. */
    static final int CUT_SEARCH_FRAMES = 200;
    /** Half-width, in frames, of the window whose energy decides how quiet a place to cut is (50 ms in all). */
    static final int CUT_WINDOW_HALF = 2;

    private static final double FULL_SCALE_POWER = 32768.0 * 32768.0;

    private final Settings settings;
    private final Listener listener;
    private final int preRollFrames;
    private final int hangoverFrames;
    private final int minSpeechFrames;
    private final int maxFrames;
    private final double thresholdDb;
    /** The floor is not tracked below this: the absolute threshold governs there, and tracking deeper only delays recovery. */
    private final double lowestFloorDb;

    /** The frame being filled; {@code frameFill} samples of it are valid. */
    private final short[] frame = new short[FRAME];
    private int frameFill;

    /** Pre-roll ring of whole frames while no utterance is in progress; {@code ringHead} is the oldest. */
    private final short[] ring;
    private final double[] ringDb;
    private int ringHead;
    private int ringFrames;

    /** The utterance in progress: {@code uttFrames} whole frames from stream offset {@code uttStart}. */
    private short[] utt;
    private final double[] uttDb;
    private final boolean[] uttSpeech;
    private int uttFrames;
    private long uttStart;
    private boolean inUtterance;
    private int speechFrames;
    private int silentRun;

    private double floorDb = Double.NaN;
    /** Energies of the last {@link #STATIONARY_FRAMES} frames, a ring. */
    private final double[] recentDb = new double[STATIONARY_FRAMES];
    private int recentHead;
    private int recentCount;

    /** Stream offset of the frame being filled. */
    private long framed;
    private long accepted;
    private boolean finished;
    // Written at the end of each call, accepted first, so that another thread reads settled <= accepted.
    private volatile long publishedAccepted;
    private volatile long publishedSettled;

    public Segmenter(Settings settings, Listener listener) {
        if (settings == null || listener == null) {
            throw new IllegalArgumentException("settings and listener are required");
        }
        this.settings = settings;
        this.listener = listener;
        this.preRollFrames = ceilFrames(settings.preRollMs());
        this.hangoverFrames = ceilFrames(settings.hangoverMs());
        this.minSpeechFrames = ceilFrames(settings.minSpeechMs());
        this.maxFrames = settings.maxUtteranceMs() / 10;
        this.thresholdDb = settings.thresholdDb();
        this.lowestFloorDb = ABSOLUTE_THRESHOLD_DBFS - thresholdDb;
        this.ring = new short[preRollFrames * FRAME];
        this.ringDb = new double[preRollFrames];
        // Room for the pre-roll and two seconds at first; long utterances grow it, up to maxFrames.
        this.utt = new short[Math.min(maxFrames, preRollFrames + 200) * FRAME];
        this.uttDb = new double[maxFrames];
        this.uttSpeech = new boolean[maxFrames];
    }

    public Settings settings() {
        return settings;
    }

    /** Feeds the next {@code length} samples of the stream. */
    public void accept(short[] samples, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("segmenter already finished");
        }
        int p = offset;
        int end = offset + length;
        while (p < end) {
            int n = Math.min(FRAME - frameFill, end - p);
            System.arraycopy(samples, p, frame, frameFill, n);
            frameFill += n;
            p += n;
            if (frameFill == FRAME) {
                frameFill = 0;
                processFrame();
                framed += FRAME;
            }
        }
        accepted += length;
        publish();
    }

    /**
     * End of stream: emits the utterance in progress, if any (and if it has enough speech), including a last
     * partial frame. Everything else held is dropped as silence. Further input is refused.
     */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (inUtterance) {
            int length = uttFrames * FRAME;
            if (frameFill > 0) {
                System.arraycopy(frame, 0, ensureCapacity(length + frameFill), length, frameFill);
                if (energyDb(frame, frameFill) > threshold()) {
                    speechFrames++;
                }
                length += frameFill;
            }
            if (enoughSpeech(speechFrames)) {
                listener.utterance(uttStart, utt, length);
            }
        }
        inUtterance = false;
        uttFrames = 0;
        ringFrames = 0;
        frameFill = 0;
        publish();
    }

    /** Samples of the stream accepted so far. May be read from any thread. */
    public long acceptedSamples() {
        return publishedAccepted;
    }

    /**
     * The offset up to which the stream is settled: every sample before it was either dropped as silence or
     * handed to the listener; samples after it are held (pre-roll or an utterance in progress). Used to compute
     * how far transcription lags behind the audio. May be read from any thread.
     */
    public long settledSamples() {
        return publishedSettled;
    }

    /** The current noise floor estimate in dBFS (NaN before the first whole frame). */
    public double noiseFloorDb() {
        return floorDb;
    }

    private void publish() {
        publishedAccepted = accepted;
        publishedSettled = accepted - frameFill - (long) (ringFrames + uttFrames) * FRAME;
    }

    /** Classifies the frame just filled (at stream offset {@code framed}) and moves it to the ring or the utterance. */
    private void processFrame() {
        double db = energyDb(frame, FRAME);
        trackFloor(db);
        boolean speech = db > threshold();
        if (!inUtterance) {
            if (!speech) {
                pushRing(frame, 0, db);
                return;
            }
            startUtterance();
        }
        appendFrame(db, speech);
        if (speech) {
            speechFrames++;
            silentRun = 0;
        } else {
            silentRun++;
        }
        if (silentRun > 0 && silentRun >= hangoverFrames) {
            endUtterance();
        } else if (uttFrames == maxFrames) {
            cut();
        }
    }

    private double threshold() {
        return Math.max(floorDb + thresholdDb, ABSOLUTE_THRESHOLD_DBFS);
    }

    private void trackFloor(double db) {
        if (Double.isNaN(floorDb)) {
            floorDb = db;
        } else if (db < floorDb) {
            floorDb += (db - floorDb) * FLOOR_FALL;
        } else {
            floorDb += (db - floorDb) * FLOOR_RISE;
        }
        floorDb = Math.max(floorDb, lowestFloorDb);

        recentDb[recentHead] = db;
        recentHead = (recentHead + 1) % STATIONARY_FRAMES;
        if (recentCount < STATIONARY_FRAMES) {
            recentCount++;
            return;
        }
        double min = recentDb[0];
        double max = min;
        for (int i = 1; i < STATIONARY_FRAMES; i++) {
            double v = recentDb[i];
            if (v < min) {
                min = v;
            } else if (v > max) {
                max = v;
            }
        }
        if (max - min <= STATIONARY_SPAN_DB && min > floorDb) {
            floorDb = min;
            if (inUtterance) {
                reclassify();
            }
        }
    }

    /**
     * After the floor jumped up to steady noise: frames of the utterance in progress that no longer clear the
     * threshold stop counting as speech, so an utterance only that noise had started ends (and is dropped).
     */
    private void reclassify() {
        double t = threshold();
        speechFrames = 0;
        silentRun = 0;
        for (int i = 0; i < uttFrames; i++) {
            boolean speech = uttSpeech[i] && uttDb[i] > t;
            uttSpeech[i] = speech;
            if (speech) {
                speechFrames++;
                silentRun = 0;
            } else {
                silentRun++;
            }
        }
        if (silentRun > 0 && silentRun >= hangoverFrames) {
            endUtterance();
        }
    }

    /** Opens an utterance with the pre-roll ring's frames, oldest first. */
    private void startUtterance() {
        inUtterance = true;
        uttStart = framed - (long) ringFrames * FRAME;
        short[] buf = ensureCapacity((ringFrames + 1) * FRAME);
        for (int i = 0; i < ringFrames; i++) {
            int r = (ringHead + i) % preRollFrames;
            System.arraycopy(ring, r * FRAME, buf, i * FRAME, FRAME);
            uttDb[i] = ringDb[r];
            uttSpeech[i] = false;
        }
        uttFrames = ringFrames;
        ringFrames = 0;
        ringHead = 0;
        speechFrames = 0;
        silentRun = 0;
    }

    private void appendFrame(double db, boolean speech) {
        short[] buf = ensureCapacity((uttFrames + 1) * FRAME);
        System.arraycopy(frame, 0, buf, uttFrames * FRAME, FRAME);
        uttDb[uttFrames] = db;
        uttSpeech[uttFrames] = speech;
        uttFrames++;
    }

    /**
     * Ends the utterance in progress after its hangover: emits it up to the hangover's end if it has enough
     * speech, and keeps the last of the silence that follows (normally none) as pre-roll for the next one.
     */
    private void endUtterance() {
        int keep = uttFrames - silentRun + hangoverFrames;
        if (enoughSpeech(speechFrames)) {
            listener.utterance(uttStart, utt, keep * FRAME);
        } else {
            keep = 0;
        }
        inUtterance = false;
        ringFrames = 0;
        ringHead = 0;
        for (int i = Math.max(keep, uttFrames - preRollFrames); i < uttFrames; i++) {
            pushRing(utt, i * FRAME, uttDb[i]);
        }
        uttFrames = 0;
        speechFrames = 0;
        silentRun = 0;
    }

    /**
     * Cuts an utterance that reached the longest allowed: at the end of the frame in the middle of the
     * quietest 50 ms of its last two seconds (a pause between words, or at worst a stop consonant's closure),
     * emits what comes before and carries on with the rest.
     */
    private void cut() {
        int from = Math.max(1, uttFrames - Math.min(CUT_SEARCH_FRAMES, maxFrames / 2));
        int best = uttFrames - 1;
        double quietest = Double.MAX_VALUE;
        for (int q = from; q < uttFrames; q++) {
            int lo = Math.max(0, q - CUT_WINDOW_HALF);
            int hi = Math.min(uttFrames - 1, q + CUT_WINDOW_HALF);
            double sum = 0;
            for (int i = lo; i <= hi; i++) {
                sum += Math.pow(10, uttDb[i] / 10);
            }
            double mean = sum / (hi - lo + 1);
            if (mean <= quietest) {
                quietest = mean;
                best = q;
            }
        }
        int head = best + 1;
        int headSpeech = 0;
        for (int i = 0; i < head; i++) {
            if (uttSpeech[i]) {
                headSpeech++;
            }
        }
        if (enoughSpeech(headSpeech)) {
            listener.utterance(uttStart, utt, head * FRAME);
        }
        int rest = uttFrames - head;
        System.arraycopy(utt, head * FRAME, utt, 0, rest * FRAME);
        System.arraycopy(uttDb, head, uttDb, 0, rest);
        System.arraycopy(uttSpeech, head, uttSpeech, 0, rest);
        uttStart += (long) head * FRAME;
        uttFrames = rest;
        speechFrames -= headSpeech;
        // The quietest place may lie in the hangover, so the rest need not end in speech: silentRun stands.
        if (silentRun > rest) {
            silentRun = rest;
        }
    }

    /** Whether {@code frames} of speech make an utterance; never none, as a piece left over from a cut may have. */
    private boolean enoughSpeech(int frames) {
        return frames > 0 && frames >= minSpeechFrames;
    }

    private void pushRing(short[] source, int offset, double db) {
        if (preRollFrames == 0) {
            return;
        }
        int slot = (ringHead + ringFrames) % preRollFrames;
        if (ringFrames == preRollFrames) {
            ringHead = (ringHead + 1) % preRollFrames;
        } else {
            ringFrames++;
        }
        System.arraycopy(source, offset, ring, slot * FRAME, FRAME);
        ringDb[slot] = db;
    }

    private short[] ensureCapacity(int samples) {
        if (utt.length < samples) {
            utt = Arrays.copyOf(utt, Math.max(samples, Math.min(2 * utt.length, maxFrames * FRAME)));
        }
        return utt;
    }

    /** RMS energy of {@code n} samples in dB relative to full scale. */
    private static double energyDb(short[] s, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            int v = s[i];
            sum += v * v;
        }
        if (sum == 0) {
            return SILENCE_DBFS;
        }
        return Math.max(SILENCE_DBFS, 10 * Math.log10(sum / (FULL_SCALE_POWER * n)));
    }

    private static int ceilFrames(int ms) {
        return (ms + 9) / 10;
    }
}
