package io.earshot.audio;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Test signals, a collecting sink, signal-to-noise and a minimal WAV loader for the fixtures. */
public final class Signals {

    private Signals() {
    }

    /** A sink that keeps everything it receives. */
    public static final class Collector implements PcmSink {
        private short[] data = new short[4096];
        private int size;

        @Override
        public void accept(short[] samples, int offset, int length) {
            if (size + length > data.length) {
                data = Arrays.copyOf(data, Math.max(2 * data.length, size + length));
            }
            System.arraycopy(samples, offset, data, size, length);
            size += length;
        }

        public short[] samples() {
            return Arrays.copyOf(data, size);
        }

        public int size() {
            return size;
        }
    }

    public static double[] sine(int rate, double freq, double amplitude, int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = amplitude * Math.sin(2 * Math.PI * freq * i / rate);
        }
        return s;
    }

    public static float[] toFloats(double[] s) {
        float[] f = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            f[i] = (float) s[i];
        }
        return f;
    }

    public static short[] toShorts(double[] s) {
        short[] out = new short[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = (short) Math.max(-32768, Math.min(32767, Math.round(s[i] * 32768)));
        }
        return out;
    }

    /** Root mean square of {@code s[from..to)} as a fraction of full scale. */
    public static double rms(short[] s, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            double v = s[i] / 32768.0;
            sum += v * v;
        }
        return Math.sqrt(sum / Math.max(1, to - from));
    }

    /** Signal-to-noise ratio in dB of {@code test} against {@code reference}, sample for sample, no lag. */
    public static double snrDb(short[] reference, short[] test) {
        int n = Math.min(reference.length, test.length);
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < n; i++) {
            double r = reference[i];
            double d = r - test[i];
            signal += r * r;
            noise += d * d;
        }
        return noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    }

    /**
     * Spectral signal-to-noise ratio in dB: like {@link #snrDb} but on short-time magnitude spectra (32 ms Hann
     * frames, 50% overlap, at 16 kHz), so it ignores the phase changes that perceptual codecs such as Opus make
     * while keeping the sound. A misaligned or garbled decode still scores low.
     */
    public static double spectralSnrDb(short[] reference, short[] test) {
        int n = Math.min(reference.length, test.length);
        int size = 512;
        int hop = 256;
        double[] window = new double[size];
        for (int i = 0; i < size; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / size);
        }
        double[] cos = new double[size];
        double[] sin = new double[size];
        for (int i = 0; i < size; i++) {
            cos[i] = Math.cos(2 * Math.PI * i / size);
            sin[i] = Math.sin(2 * Math.PI * i / size);
        }
        double signal = 0;
        double noise = 0;
        double[] a = new double[size];
        double[] b = new double[size];
        for (int start = 0; start + size <= n; start += hop) {
            for (int i = 0; i < size; i++) {
                a[i] = reference[start + i] * window[i];
                b[i] = test[start + i] * window[i];
            }
            for (int k = 0; k <= size / 2; k++) {
                double ar = 0;
                double ai = 0;
                double br = 0;
                double bi = 0;
                for (int i = 0, idx = 0; i < size; i++, idx = (idx + k) & (size - 1)) {
                    ar += a[i] * cos[idx];
                    ai -= a[i] * sin[idx];
                    br += b[i] * cos[idx];
                    bi -= b[i] * sin[idx];
                }
                double ma = Math.hypot(ar, ai);
                double mb = Math.hypot(br, bi);
                signal += ma * ma;
                noise += (ma - mb) * (ma - mb);
            }
        }
        return noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    }

    /** Samples of a 16-bit PCM WAV file (plain or extensible); interleaved if it has several channels. */
    public static short[] readWav16(InputStream in) {
        try (in) {
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            b.position(12);
            while (b.remaining() >= 8) {
                int id = b.getInt();
                int size = b.getInt();
                if (id == 0x61746164) { // "data"
                    int n = Math.min(size, b.remaining()) / 2;
                    short[] s = new short[n];
                    b.asShortBuffer().get(s);
                    return s;
                }
                b.position(b.position() + size + (size & 1));
            }
            throw new IllegalArgumentException("no data chunk");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static short[] resourceWav16(String path) {
        InputStream in = Signals.class.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalArgumentException("missing test resource " + path);
        }
        return readWav16(in);
    }

    /** Little-endian bytes of the samples. */
    public static byte[] s16le(short[] s) {
        ByteBuffer b = ByteBuffer.allocate(2 * s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(s);
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
