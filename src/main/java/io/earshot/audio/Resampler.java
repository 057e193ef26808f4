package io.earshot.audio;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A band-limited sample-rate converter for one mono stream: a polyphase windowed-sinc filter (Kaiser
 * window) for any rational ratio between the supported rates. The filter's cut-off sits at 95% of the lower
 * rate's Nyquist frequency with the stop band from 100% on (about 80 dB down), so nothing above the new
 * Nyquist frequency folds back into the speech band, as it would with plain decimation.
 *
 * <p>The output is aligned with the input: output sample {@code n} is the signal at input time
 * {@code n * in / out}; the filter's delay is compensated, and {@link #finish} flushes the tail, so a whole
 * stream of {@code N} input samples gives exactly {@code ceil(N * out / in)} output samples. Filter tables
 * are computed once per rate pair and shared; the per-stream state is a short history buffer.
 */
public final class Resampler {

    /** Zero crossings of the sinc on each side, counted at the lower of the two rates. */
    static final int HALF_WIDTH_AT_LOWER_RATE = 50;
    /** Cut-off as a fraction of the lower rate's Nyquist frequency. */
    static final double CUTOFF = 0.95;
    /** Kaiser window shape for about 80 dB stop-band attenuation. */
    static final double KAISER_BETA = 7.86;

    private record Key(int in, int out) {
    }

    /** Polyphase filter bank for one rate pair: {@code phases[p][j]}. */
    private record Bank(int up, int down, int taps, float[][] phases) {
    }

    private static final Map<Key, Bank> BANKS = new ConcurrentHashMap<>();

    private final int inRate;
    private final int outRate;
    private final Bank bank;
    private final int half;
    /** Input history: {@code buf[base]} is the input sample at the current output's position. */
    private float[] buf;
    private int len;
    private int base;
    private int phase;
    private long consumed;
    private long produced;

    public Resampler(int inRate, int outRate) {
        if (inRate <= 0 || outRate <= 0) {
            throw new IllegalArgumentException("rates must be positive");
        }
        this.inRate = inRate;
        this.outRate = outRate;
        this.bank = BANKS.computeIfAbsent(new Key(inRate, outRate), k -> design(k.in, k.out));
        this.half = bank.taps / 2;
        this.buf = new float[Math.max(4 * bank.taps, 4096)];
        // half - 1 zeros before the first input sample: the first output then sits on input sample 0.
        this.len = half - 1;
        this.base = half - 1;
    }

    public int inRate() {
        return inRate;
    }

    public int outRate() {
        return outRate;
    }

    /** Filter taps per output sample. */
    public int taps() {
        return bank.taps;
    }

    /**
     * Feeds {@code count} samples and writes every output sample that can now be computed to {@code out}
     * (from index 0), growing it when needed. Returns the output array, which may be a new one; the number
     * of samples written is {@link #lastCount()}.
     */
    public float[] process(float[] in, int offset, int count, float[] out) {
        append(in, offset, count);
        consumed += count;
        return drain(out, Long.MAX_VALUE);
    }

    /** Flushes the filter's tail at the end of the stream; afterwards the resampler must not be fed again. */
    public float[] finish(float[] out) {
        long total = (consumed * bank.up + bank.down - 1) / bank.down;
        float[] zeros = new float[half + 1];
        append(zeros, 0, zeros.length);
        return drain(out, total);
    }

    private int lastCount;

    /** Samples written by the last {@link #process} or {@link #finish}. */
    public int lastCount() {
        return lastCount;
    }

    private void append(float[] in, int offset, int count) {
        if (len + count > buf.length) {
            // Drop what no future output needs, then grow if still short.
            int keep = base - (half - 1);
            if (keep > 0) {
                System.arraycopy(buf, keep, buf, 0, len - keep);
                len -= keep;
                base -= keep;
            }
            if (len + count > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + count));
            }
        }
        System.arraycopy(in, offset, buf, len, count);
        len += count;
    }

    private float[] drain(float[] out, long limit) {
        int n = 0;
        int up = bank.up;
        int down = bank.down;
        int taps = bank.taps;
        float[][] phases = bank.phases;
        while (base + half < len && produced < limit) {
            if (out == null || n == out.length) {
                out = out == null ? new float[256] : Arrays.copyOf(out, Math.max(256, out.length * 2));
            }
            out[n++] = up == 1 ? dotSymmetric(phases[0], buf, base, half)
                    : dot(phases[phase], buf, base - half + 1, taps);
            produced++;
            phase += down;
            base += phase / up;
            phase %= up;
        }
        lastCount = n;
        return out == null ? new float[0] : out;
    }

    /**
     * The filter's inner product, in eight independent sums: one running sum would make every addition wait
     * for the one before (floating-point additions may not be reordered), and this loop is where the
     * decoding of a stream spends most of its time. Eight sums keep both of a core's adders busy.
     */
    private static float dot(float[] h, float[] x, int start, int taps) {
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        float a4 = 0f;
        float a5 = 0f;
        float a6 = 0f;
        float a7 = 0f;
        int j = 0;
        for (; j + 7 < taps; j += 8) {
            int i = start + j;
            a0 += h[j] * x[i];
            a1 += h[j + 1] * x[i + 1];
            a2 += h[j + 2] * x[i + 2];
            a3 += h[j + 3] * x[i + 3];
            a4 += h[j + 4] * x[i + 4];
            a5 += h[j + 5] * x[i + 5];
            a6 += h[j + 6] * x[i + 6];
            a7 += h[j + 7] * x[i + 7];
        }
        for (; j < taps; j++) {
            a0 += h[j] * x[start + j];
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /**
     * The same inner product for a whole-number ratio (48 or 32 kHz to 16 kHz), where every output uses the
     * one phase whose centre tap sits on an input sample: that filter is symmetric, so each pair of input
     * samples at the same distance is added first and multiplied once. Its last tap is zero (the window ends
     * there) and is skipped.
     */
    private static float dotSymmetric(float[] h, float[] x, int centre, int half) {
        int c = half - 1;
        float a0 = h[c] * x[centre];
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        float a4 = 0f;
        float a5 = 0f;
        float a6 = 0f;
        float a7 = 0f;
        int k = 1;
        for (; k + 7 < half; k += 8) {
            a0 += h[c + k] * (x[centre + k] + x[centre - k]);
            a1 += h[c + k + 1] * (x[centre + k + 1] + x[centre - k - 1]);
            a2 += h[c + k + 2] * (x[centre + k + 2] + x[centre - k - 2]);
            a3 += h[c + k + 3] * (x[centre + k + 3] + x[centre - k - 3]);
            a4 += h[c + k + 4] * (x[centre + k + 4] + x[centre - k - 4]);
            a5 += h[c + k + 5] * (x[centre + k + 5] + x[centre - k - 5]);
            a6 += h[c + k + 6] * (x[centre + k + 6] + x[centre - k - 6]);
            a7 += h[c + k + 7] * (x[centre + k + 7] + x[centre - k - 7]);
        }
        for (; k < half; k++) {
            a0 += h[c + k] * (x[centre + k] + x[centre - k]);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    private static Bank design(int inRate, int outRate) {
        int g = gcd(inRate, outRate);
        int up = outRate / g;
        int down = inRate / g;
        double lower = Math.min(inRate, outRate);
        // Cut-off in cycles per input sample.
        double fc = CUTOFF * 0.5 * lower / inRate;
        int half = (int) Math.ceil(HALF_WIDTH_AT_LOWER_RATE * inRate / lower);
        int taps = 2 * half;
        float[][] phases = new float[up][taps];
        double i0Beta = besselI0(KAISER_BETA);
        for (int p = 0; p < up; p++) {
            double frac = (double) p / up;
            double sum = 0;
            double[] h = new double[taps];
            for (int j = 0; j < taps; j++) {
                // Distance of tap j's input sample from the output's position, in input samples.
                double d = (j - half + 1) - frac;
                double x = d / half;
                double w = Math.abs(x) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - x * x)) / i0Beta;
                // Computed from |d| so that a phase centred on an input sample is exactly symmetric.
                double ad = Math.abs(d);
                double s = ad == 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * ad) / (Math.PI * ad);
                h[j] = s * w;
                sum += h[j];
            }
            for (int j = 0; j < taps; j++) {
                // Unity gain at DC for every phase.
                phases[p][j] = (float) (h[j] / sum);
            }
        }
        return new Bank(up, down, taps, phases);
    }

    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 60; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < 1e-12 * sum) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
