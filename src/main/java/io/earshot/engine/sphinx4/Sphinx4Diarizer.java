package io.earshot.engine.sphinx4;

import edu.cmu.sphinx.frontend.Data;
import edu.cmu.sphinx.frontend.DataEndSignal;
import edu.cmu.sphinx.frontend.DoubleData;
import edu.cmu.sphinx.frontend.FrontEnd;
import edu.cmu.sphinx.frontend.filter.Preemphasizer;
import edu.cmu.sphinx.frontend.frequencywarp.MelFrequencyFilterBank;
import edu.cmu.sphinx.frontend.transform.DiscreteCosineTransform;
import edu.cmu.sphinx.frontend.transform.DiscreteFourierTransform;
import edu.cmu.sphinx.frontend.util.StreamDataSource;
import edu.cmu.sphinx.frontend.window.RaisedCosineWindower;
import io.earshot.engine.EngineException;
import io.earshot.engine.SpeakerTurn;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.stream.IntStream;

/**
 * Tells speakers apart in a recording: cepstra from Sphinx4's front end, clustered with the Bayesian information
 * criterion (BIC), the boundaries then refined frame by frame.
 *
 * <p>Sphinx4's own {@code edu.cmu.sphinx.speakerid} is not used. It needs Apache Commons Math, which its Maven
 * artifact does not declare, and on a 27 s recording of two very different voices taking turns (the test
 * conversation of a LibriVox reader and a synthetic female voice) it found three speakers and missed two of the
 * five changes: it looks for a change only in 5 s windows.
 *
 * <p>The method, a small version of the classic one (BIC clustering, then resegmentation):
 * <ol>
 * <li>13 mel cepstra per 10 ms frame; the first (loudness) is dropped, the other 12 describe the voice.</li>
 * <li>Speech frames: louder than {@value #FLOOR_DBFS} dBFS, than the quiet frames (10th percentile) by
 * {@value #SPEECH_ABOVE_QUIET_DB} dB, and than the loud frames (95th percentile) less
 * {@value #SPEECH_BELOW_LOUD_DB} dB. Only these are clustered; pauses belong to no one.</li>
 * <li>The speech is cut into 1 s pieces, and the pieces clustered bottom-up, best pair first, while one Gaussian
 * (full covariance) explains a pair better than two by the BIC with the lenient weight
 * {@value #SPLIT_PENALTY}, which leaves a speaker in several clusters rather than two speakers in one.</li>
 * <li>Each frame goes to the cluster whose Gaussian (diagonal) best explains the frames within &plusmn;250 ms,
 * three times over with the Gaussians re-estimated; a cluster left with under 1 s is folded into the others.</li>
 * <li>The clusters are merged bottom-up on their frames with the strict weight {@value #MERGE_PENALTY}, then
 * resegmented again, until none merge.</li>
 * </ol>
 * The weights were chosen on the test recordings and the margins are narrow. With a final weight of 3.1 a third speaker
 * appears in the conversation of the LibriVox reader and the synthetic woman, and at 2.8 the LibriVox reader alone
 * comes out as two; from 3.6 the LibriVox reader and the man of pocketsphinx's "cards" recordings come out as one, from
 * 4.5 the LibriVox reader and the man of its "goforward" recordings; the reader and the synthetic woman stay apart up
 * to 8. A first weight of 2.2 also gives that conversation a third speaker, and 1.9 gives an 8 minute synthetic
 * conversation a third. On those recordings the changes are found within 0.8 s, mostly within 0.5 s, and an 8 minute
 * synthetic two-voice conversation gets its 2 speakers and all 76 changes (and 2 more). The limits: one Gaussian is a
 * crude model of a voice, so what is said leaks in. The LibriVox reader's 25 s played twice over comes out as two
 * speakers, three times over as four (recurring words make clusters of their own); real long recordings of one voice
 * may likewise be split. Two voices of the same synthesizer with similar pitch (eSpeak NG's American and British men)
 * are not told apart. Overlapping speech is not handled, and a speaker with under about a second in all is attributed
 * to someone else.
 *
 * <p>Stateless apart from a bound on concurrent calls, each of which is CPU-bound and holds the recording's
 * cepstra (13 numbers per 10 ms); nothing to load.
 */
final class Sphinx4Diarizer {

    static final int FRAME_MS = 10;
    private static final int SAMPLES_PER_FRAME = 160;
    private static final int WINDOW_SAMPLES = 410;
    private static final int CEPSTRA = 13;
    /** Cepstra 1 to 12. */
    private static final int DIMS = CEPSTRA - 1;

    private static final double FLOOR_DBFS = -55;
    private static final double SPEECH_BELOW_LOUD_DB = 30;
    private static final double SPEECH_ABOVE_QUIET_DB = 6;
    /** Less speech than this (0.3 s) is not worth a turn. */
    private static final int MIN_SPEECH_FRAMES = 30;
    private static final int PIECE_FRAMES = 100;
    /** Pieces clustered together in the first stage: 5 min of speech, so the all-pairs search stays bounded. */
    private static final int BLOCK_PIECES = 300;
    private static final double SPLIT_PENALTY = 2.0;
    private static final double MERGE_PENALTY = 3.35;
    /** The most frames a cluster counts as in the BIC (10 s); see {@link #deltaBic}. */
    private static final double MAX_EVIDENCE_FRAMES = 1_000;
    private static final int SMOOTHING_FRAMES = 25;
    private static final int RESEGMENTATION_PASSES = 3;
    private static final int MIN_SPEAKER_FRAMES = 100;

    private final Semaphore permits;

    Sphinx4Diarizer(int concurrentCalls) {
        this.permits = new Semaphore(concurrentCalls, true);
    }

    List<SpeakerTurn> diarize(short[] samples, int offset, int length) throws EngineException {
        Sphinx4Aligner.checkRange(samples, offset, length);
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting to diarize", e);
        }
        try {
            return turns(samples, offset, length);
        } catch (RuntimeException | StackOverflowError e) {
            throw new EngineException("diarization failed on " + length + " samples: " + e, e);
        } finally {
            permits.release();
        }
    }

    private static List<SpeakerTurn> turns(short[] samples, int offset, int length) {
        double[][] cepstra = cepstra(samples, offset, length);
        int[] speech = speechFrames(samples, offset, length, cepstra.length);
        if (speech.length < MIN_SPEECH_FRAMES) {
            return List.of();
        }
        double[][] x = new double[speech.length][];
        for (int i = 0; i < speech.length; i++) {
            x[i] = Arrays.copyOfRange(cepstra[speech[i]], 1, CEPSTRA);
        }
        int[] speaker = clusterPieces(x);
        do {
            resegment(x, speaker);
        } while (mergeSpeakers(x, speaker));
        return toTurns(speech, speaker);
    }

    /** Sphinx4's classic 16 kHz MFCC front end: 25.6 ms Hamming windows every 10 ms, 40 mel filters. */
    private static double[][] cepstra(short[] samples, int offset, int length) {
        byte[] pcm = new byte[2 * length];
        for (int i = 0; i < length; i++) {
            short s = samples[offset + i];
            pcm[2 * i] = (byte) s;
            pcm[2 * i + 1] = (byte) (s >> 8);
        }
        StreamDataSource source = new StreamDataSource(16_000, 3_200, 16, false, true);
        FrontEnd frontEnd = new FrontEnd(List.of(source, new Preemphasizer(0.97),
                new RaisedCosineWindower(0.46, 25.625f, FRAME_MS), new DiscreteFourierTransform(512, false),
                new MelFrequencyFilterBank(130, 6800, 40), new DiscreteCosineTransform(40, CEPSTRA)));
        frontEnd.initialize();
        source.setInputStream(new ByteArrayInputStream(pcm));
        List<double[]> frames = new ArrayList<>(length / SAMPLES_PER_FRAME + 1);
        Data d;
        while (!((d = frontEnd.getData()) instanceof DataEndSignal)) {
            if (d instanceof DoubleData dd) {
                frames.add(dd.getValues());
            }
        }
        return frames.toArray(new double[0][]);
    }

    /** Indices of the frames loud enough to be speech, in order. */
    private static int[] speechFrames(short[] samples, int offset, int length, int frames) {
        double[] db = new double[frames];
        for (int f = 0; f < frames; f++) {
            int from = offset + f * SAMPLES_PER_FRAME;
            int to = Math.min(offset + length, from + WINDOW_SAMPLES);
            double sum = 0;
            for (int i = from; i < to; i++) {
                sum += (double) samples[i] * samples[i];
            }
            db[f] = 10 * Math.log10(sum / Math.max(1, to - from) / (32768.0 * 32768.0) + 1e-12);
        }
        double[] sorted = db.clone();
        Arrays.sort(sorted);
        double quiet = frames == 0 ? 0 : sorted[(int) (0.10 * (frames - 1))];
        double loud = frames == 0 ? 0 : sorted[(int) (0.95 * (frames - 1))];
        double threshold = Math.max(FLOOR_DBFS, Math.max(quiet + SPEECH_ABOVE_QUIET_DB, loud - SPEECH_BELOW_LOUD_DB));
        return IntStream.range(0, frames).filter(f -> db[f] > threshold).toArray();
    }

    /**
     * A provisional speaker (0, 1, ...) per speech frame: the speech cut into 1 s pieces, and the pieces of each
     * block of {@value #BLOCK_PIECES} clustered bottom-up, best pair first, while the BIC with the lenient
     * {@link #SPLIT_PENALTY} prefers one Gaussian to two. Blocks keep the all-pairs search bounded on long
     * recordings; speakers are matched across blocks by {@link #mergeSpeakers}.
     */
    private static int[] clusterPieces(double[][] x) {
        int pieces = Math.max(1, x.length / PIECE_FRAMES);
        int[] pieceSpeaker = new int[pieces];
        int speakers = 0;
        for (int first = 0; first < pieces; first += BLOCK_PIECES) {
            int n = Math.min(BLOCK_PIECES, pieces - first);
            List<Gaussian> clusters = new ArrayList<>(n);
            for (int p = first; p < first + n; p++) {
                Gaussian g = new Gaussian();
                for (int i = pieceStart(p, pieces, x.length); i < pieceStart(p + 1, pieces, x.length); i++) {
                    g.add(x[i]);
                }
                clusters.add(g);
            }
            int[] root = agglomerate(clusters, SPLIT_PENALTY);
            Map<Integer, Integer> ids = new HashMap<>();
            for (int p = 0; p < n; p++) {
                pieceSpeaker[first + p] = ids.computeIfAbsent(root[p], r -> ids.size()) + speakers;
            }
            speakers += ids.size();
        }
        int[] speaker = new int[x.length];
        for (int p = 0; p < pieces; p++) {
            Arrays.fill(speaker, pieceStart(p, pieces, x.length), pieceStart(p + 1, pieces, x.length), pieceSpeaker[p]);
        }
        return speaker;
    }

    private static int pieceStart(int piece, int pieces, int frames) {
        return (int) ((long) piece * frames / pieces);
    }

    /**
     * Final speakers: the provisional ones clustered bottom-up on all their frames, while the BIC with the strict
     * {@link #MERGE_PENALTY} prefers one Gaussian to two. Returns whether any merged.
     */
    private static boolean mergeSpeakers(double[][] x, int[] speaker) {
        int n = Arrays.stream(speaker).max().orElse(0) + 1;
        List<Gaussian> clusters = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            clusters.add(new Gaussian());
        }
        for (int i = 0; i < x.length; i++) {
            clusters.get(speaker[i]).add(x[i]);
        }
        int[] root = agglomerate(clusters, MERGE_PENALTY);
        boolean merged = false;
        for (int i = 0; i < x.length; i++) {
            if (root[speaker[i]] != speaker[i]) {
                speaker[i] = root[speaker[i]];
                merged = true;
            }
        }
        return merged;
    }

    /**
     * Bottom-up clustering: merges the pair with the lowest {@link #deltaBic} while it is negative. Returns, for
     * each cluster, the index of the one it ended up in. Empty clusters stay alone.
     */
    private static int[] agglomerate(List<Gaussian> clusters, double penalty) {
        int n = clusters.size();
        int[] root = new int[n];
        double[][] distance = new double[n][n];
        for (int i = 0; i < n; i++) {
            root[i] = i;
            for (int j = i + 1; j < n; j++) {
                distance[i][j] = deltaBic(clusters.get(i), clusters.get(j), penalty);
            }
        }
        while (true) {
            int bi = -1;
            int bj = -1;
            double best = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n && root[i] == i; j++) {
                    if (root[j] == j && distance[i][j] < best) {
                        best = distance[i][j];
                        bi = i;
                        bj = j;
                    }
                }
            }
            if (bi < 0) {
                break;
            }
            clusters.get(bi).add(clusters.get(bj));
            for (int k = 0; k < n; k++) {
                if (root[k] == bj) {
                    root[k] = bi;
                }
            }
            for (int k = 0; k < n; k++) {
                if (k != bi && root[k] == k) {
                    distance[Math.min(bi, k)][Math.max(bi, k)] = deltaBic(clusters.get(bi), clusters.get(k), penalty);
                }
            }
        }
        return root;
    }

    /**
     * How much better two Gaussians (full covariance) explain the frames than one, minus the BIC's price for the
     * extra parameters times {@code penalty}: negative when one will do. Infinite when either is empty.
     *
     * <p>Each cluster counts as at most 1,000 frames (its statistics scaled down, shape kept). Unscaled, the
     * likelihood gain of two Gaussians over one grows with the number of frames while the price grows with its
     * logarithm, so on long recordings two clusters of one voice end up "different": a synthetic two-voice
     * conversation came out as 6 speakers over 2 minutes and 14 over 8; capped, as 2 both times.
     */
    private static double deltaBic(Gaussian a, Gaussian b, double penalty) {
        if (a.n <= DIMS || b.n <= DIMS) {
            return a.n == 0 || b.n == 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        Gaussian x = a.capped(MAX_EVIDENCE_FRAMES);
        Gaussian y = b.capped(MAX_EVIDENCE_FRAMES);
        Gaussian both = new Gaussian();
        both.add(x);
        both.add(y);
        double parameters = DIMS + DIMS * (DIMS + 1) / 2.0;
        return 0.5 * (both.n * both.logDeterminant() - x.n * x.logDeterminant() - y.n * y.logDeterminant())
                - penalty * 0.5 * parameters * Math.log(both.n);
    }

    /**
     * Gives each frame to the speaker whose Gaussian (diagonal) best explains the frames within &plusmn;250 ms of it,
     * re-estimating the Gaussians between passes; then folds speakers left with under 1 s into the others.
     */
    private static void resegment(double[][] x, int[] speaker) {
        int n = Arrays.stream(speaker).max().orElse(0) + 1;
        boolean[] dropped = new boolean[n];
        for (int pass = 0; pass <= RESEGMENTATION_PASSES && n > 1; pass++) {
            Gaussian[] models = new Gaussian[n];
            for (int s = 0; s < n; s++) {
                models[s] = new Gaussian();
            }
            for (int i = 0; i < x.length; i++) {
                models[speaker[i]].add(x[i]);
            }
            if (pass == RESEGMENTATION_PASSES) {
                boolean any = false;
                for (int s = 0; s < n; s++) {
                    if (models[s].n < MIN_SPEAKER_FRAMES && !dropped[s]) {
                        dropped[s] = true;
                        any = any || models[s].n > 0;
                    }
                }
                if (!any) {
                    return;
                }
            }
            double[][] means = new double[n][];
            double[][] variances = new double[n][];
            double[] constants = new double[n];
            for (int s = 0; s < n; s++) {
                if (!dropped[s] && models[s].n > DIMS) {
                    means[s] = new double[DIMS];
                    variances[s] = new double[DIMS];
                    for (int d = 0; d < DIMS; d++) {
                        means[s][d] = models[s].sum[d] / models[s].n;
                        variances[s][d] = models[s].variance(d);
                        constants[s] -= 0.5 * Math.log(2 * Math.PI * variances[s][d]);
                    }
                }
            }
            // Window sums of log-likelihoods, slid along the frames; a ring holds the window's terms (the frame leaving
            // and the frame entering share a slot, so the one leaving goes first).
            int width = 2 * SMOOTHING_FRAMES + 1;
            double[][] ring = new double[width][n];
            double[] window = new double[n];
            int[] next = new int[x.length];
            for (int i = -SMOOTHING_FRAMES; i < x.length; i++) {
                int leaving = i - SMOOTHING_FRAMES - 1;
                if (leaving >= 0) {
                    double[] terms = ring[leaving % width];
                    for (int s = 0; s < n; s++) {
                        window[s] -= terms[s];
                    }
                }
                int entering = i + SMOOTHING_FRAMES;
                if (entering < x.length) {
                    double[] terms = ring[entering % width];
                    for (int s = 0; s < n; s++) {
                        double ll = -1e9;
                        if (means[s] != null) {
                            ll = constants[s];
                            for (int d = 0; d < DIMS; d++) {
                                double z = x[entering][d] - means[s][d];
                                ll -= 0.5 * z * z / variances[s][d];
                            }
                        }
                        terms[s] = ll;
                        window[s] += ll;
                    }
                }
                if (i >= 0) {
                    int best = 0;
                    for (int s = 1; s < n; s++) {
                        if (window[s] > window[best]) {
                            best = s;
                        }
                    }
                    next[i] = best;
                }
            }
            System.arraycopy(next, 0, speaker, 0, x.length);
        }
    }

    /** Runs of one speaker as turns, labelled S1, S2, ... in order of first appearance. */
    private static List<SpeakerTurn> toTurns(int[] frames, int[] speaker) {
        Map<Integer, String> labels = new HashMap<>();
        List<SpeakerTurn> turns = new ArrayList<>();
        String current = null;
        long start = 0;
        long end = 0;
        for (int i = 0; i < frames.length; i++) {
            String label = labels.computeIfAbsent(speaker[i], s -> "S" + (labels.size() + 1));
            if (!label.equals(current)) {
                if (current != null) {
                    turns.add(new SpeakerTurn(current, start, end));
                }
                current = label;
                start = (long) frames[i] * FRAME_MS;
            }
            end = (long) (frames[i] + 1) * FRAME_MS;
        }
        turns.add(new SpeakerTurn(current, start, end));
        return turns;
    }

    /** Sufficient statistics of a Gaussian over cepstra 1 to 12: count, sums, sums of products. */
    private static final class Gaussian {

        double n;
        final double[] sum = new double[DIMS];
        final double[][] products = new double[DIMS][DIMS];

        void add(double[] v) {
            n++;
            for (int i = 0; i < DIMS; i++) {
                sum[i] += v[i];
                for (int j = 0; j <= i; j++) {
                    products[i][j] += v[i] * v[j];
                }
            }
        }

        void add(Gaussian g) {
            n += g.n;
            for (int i = 0; i < DIMS; i++) {
                sum[i] += g.sum[i];
                for (int j = 0; j <= i; j++) {
                    products[i][j] += g.products[i][j];
                }
            }
        }

        /** This Gaussian with its statistics scaled to at most {@code frames} frames. */
        Gaussian capped(double frames) {
            if (n <= frames) {
                return this;
            }
            double f = frames / n;
            Gaussian g = new Gaussian();
            g.n = frames;
            for (int i = 0; i < DIMS; i++) {
                g.sum[i] = sum[i] * f;
                for (int j = 0; j <= i; j++) {
                    g.products[i][j] = products[i][j] * f;
                }
            }
            return g;
        }

        double variance(int i) {
            double mean = sum[i] / n;
            return Math.max(products[i][i] / n - mean * mean, 0) + 1e-3;
        }

        /** log |covariance| by Cholesky, with a small ridge so short segments stay positive definite. */
        double logDeterminant() {
            double[][] l = new double[DIMS][DIMS];
            double log = 0;
            for (int j = 0; j < DIMS; j++) {
                double d = variance(j);
                for (int k = 0; k < j; k++) {
                    d -= l[j][k] * l[j][k];
                }
                d = Math.sqrt(Math.max(d, 1e-9));
                l[j][j] = d;
                log += 2 * Math.log(d);
                for (int i = j + 1; i < DIMS; i++) {
                    double c = products[i][j] / n - (sum[i] / n) * (sum[j] / n);
                    for (int k = 0; k < j; k++) {
                        c -= l[i][k] * l[j][k];
                    }
                    l[i][j] = c / d;
                }
            }
            return log;
        }
    }
}
