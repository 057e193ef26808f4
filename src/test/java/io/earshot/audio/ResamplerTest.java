package io.earshot.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The band-limited resampler: pass band, stop band (no aliasing), timing, length, and chunking. */
class ResamplerTest {

    private static final int[] RATES = {8_000, 12_000, 22_050, 24_000, 32_000, 44_100, 48_000};

    private static float[] run(Resampler r, float[] in, int chunk) {
        float[] all = new float[0];
        float[] out = null;
        for (int off = 0; off < in.length; off += chunk) {
            out = r.process(in, off, Math.min(chunk, in.length - off), out);
            all = append(all, out, r.lastCount());
        }
        out = r.finish(out);
        return append(all, out, r.lastCount());
    }

    private static float[] append(float[] a, float[] b, int n) {
        float[] c = Arrays.copyOf(a, a.length + n);
        System.arraycopy(b, 0, c, a.length, n);
        return c;
    }

    private static double rms(float[] s, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += s[i] * s[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    @ParameterizedTest
    @ValueSource(ints = {8_000, 12_000, 22_050, 24_000, 32_000, 44_100, 48_000})
    void outputLengthIsExactlyTheInputDurationAtTheNewRate(int rate) {
        for (int n : new int[] {0, 1, 7, 441, 1_000, 44_101}) {
            float[] out = run(new Resampler(rate, 16_000), new float[n], 997);
            assertEquals((long) Math.ceil(n * 16_000.0 / rate), out.length, rate + " Hz, " + n + " samples");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8_000, 12_000, 22_050, 24_000, 32_000, 44_100, 48_000})
    void aToneInThePassBandKeepsItsAmplitudeAndPhase(int rate) {
        double f = 1_000;
        int n = rate; // 1 s
        float[] out = run(new Resampler(rate, 16_000), Signals.toFloats(Signals.sine(rate, f, 0.5, n)), 1_024);
        double[] expected = Signals.sine(16_000, f, 0.5, out.length);
        // Away from the edges (the filter sees silence beyond the ends), the output is the ideal tone.
        double err = 0;
        double sig = 0;
        for (int i = 400; i < out.length - 400; i++) {
            err += (out[i] - expected[i]) * (out[i] - expected[i]);
            sig += expected[i] * expected[i];
        }
        double snr = 10 * Math.log10(sig / err);
        assertTrue(snr > 60, rate + " Hz: SNR " + snr + " dB against the ideal 1 kHz tone");
    }

    @ParameterizedTest
    @ValueSource(ints = {22_050, 24_000, 32_000, 44_100, 48_000})
    void aToneAboveTheNewNyquistFrequencyDoesNotFoldBack(int rate) {
        // 11 kHz would alias to 5 kHz under plain decimation; a band-limited resampler removes it.
        float[] in = Signals.toFloats(Signals.sine(rate, 11_000, 0.5, rate));
        float[] out = run(new Resampler(rate, 16_000), in, 4_096);
        double level = 20 * Math.log10(rms(out, 400, out.length - 400) / (0.5 / Math.sqrt(2)));
        assertTrue(level < -70, rate + " Hz: an 11 kHz tone comes out at " + level + " dB");
    }

    @Test
    void justBelowTheCutOffPassesAndJustAboveNyquistIsStopped() {
        Resampler pass = new Resampler(48_000, 16_000);
        float[] p = run(pass, Signals.toFloats(Signals.sine(48_000, 7_000, 0.5, 48_000)), 4_800);
        double passDb = 20 * Math.log10(rms(p, 400, p.length - 400) / (0.5 / Math.sqrt(2)));
        assertTrue(Math.abs(passDb) < 0.1, "7 kHz passes at " + passDb + " dB");
        float[] s = run(new Resampler(48_000, 16_000), Signals.toFloats(Signals.sine(48_000, 8_400, 0.5, 48_000)), 4_800);
        double stopDb = 20 * Math.log10(rms(s, 400, s.length - 400) / (0.5 / Math.sqrt(2)));
        assertTrue(stopDb < -60, "8.4 kHz is stopped at " + stopDb + " dB");
    }

    @Test
    void upsamplingLeavesNoImagesAboveTheOldNyquistFrequency() {
        // 8 kHz -> 16 kHz: a 3 kHz tone must not get a 5 kHz image.
        float[] out = run(new Resampler(8_000, 16_000), Signals.toFloats(Signals.sine(8_000, 3_000, 0.5, 8_000)), 500);
        double[] ideal = Signals.sine(16_000, 3_000, 0.5, out.length);
        double err = 0;
        double sig = 0;
        for (int i = 400; i < out.length - 400; i++) {
            err += (out[i] - ideal[i]) * (out[i] - ideal[i]);
            sig += ideal[i] * ideal[i];
        }
        assertTrue(10 * Math.log10(sig / err) > 60);
    }

    @Test
    void chunkSizeDoesNotChangeTheOutput() {
        Random random = new Random(7);
        float[] in = new float[30_000];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) (random.nextGaussian() * 0.1);
        }
        for (int rate : RATES) {
            float[] whole = run(new Resampler(rate, 16_000), in, in.length);
            for (int chunk : new int[] {1, 13, 160, 4_410}) {
                assertArrayEquals(whole, run(new Resampler(rate, 16_000), in, chunk), rate + " Hz in chunks of " + chunk);
            }
        }
    }

    @Test
    void anImpulseComesOutAtItsOwnTime() {
        // The filter delay is compensated: an impulse at 0.5 s comes out peaking at 0.5 s.
        float[] in = new float[44_100];
        in[22_050] = 1f;
        float[] out = run(new Resampler(44_100, 16_000), in, 1_000);
        int peak = 0;
        for (int i = 1; i < out.length; i++) {
            if (Math.abs(out[i]) > Math.abs(out[peak])) {
                peak = i;
            }
        }
        assertEquals(8_000, peak);
    }
}
