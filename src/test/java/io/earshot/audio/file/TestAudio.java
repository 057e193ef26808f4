package io.earshot.audio.file;

import io.earshot.audio.PcmSink;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/**
 * Fixture loading and signal comparison for the reader tests. Reference WAV files are read with the JDK's own
 * {@code javax.sound.sampled}, independently of the readers under test.
 */
final class TestAudio {

    private TestAudio() {
    }

    static byte[] resource(String path) {
        try (InputStream in = TestAudio.class.getResourceAsStream("/audio/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource audio/" + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 16-bit PCM WAV fixture read by the JDK, channels averaged to mono (rounding half away from zero). */
    static short[] jdkMono(String path) {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(resource(path)))) {
            AudioFormat f = in.getFormat();
            if (f.getSampleSizeInBits() != 16 || f.getEncoding() != AudioFormat.Encoding.PCM_SIGNED) {
                throw new IllegalStateException(path + " is not 16-bit signed PCM");
            }
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes())
                    .order(f.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int channels = f.getChannels();
            short[] out = new short[b.remaining() / (2 * channels)];
            for (int i = 0; i < out.length; i++) {
                int sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += b.getShort();
                }
                out[i] = (short) Math.round((double) sum / channels);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (UnsupportedAudioFileException e) {
            throw new IllegalStateException(path, e);
        }
    }

    /** Signal-to-noise ratio of {@code actual} against {@code reference}, in dB, over the reference's length. */
    static double snr(short[] reference, short[] actual) {
        if (actual.length < reference.length) {
            throw new IllegalArgumentException("decode is shorter than the reference");
        }
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = reference[i] - actual[i];
            signal += (double) reference[i] * reference[i];
            noise += d * d;
        }
        return noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    }

    /**
     * {@code x} through a zero-phase low-pass filter (Blackman-windowed sinc, 511 taps) with its cut-off at
     * {@code cutoffHz} for 16 kHz samples, rounded back to 16 bits.
     */
    static short[] lowPass(short[] x, double cutoffHz) {
        int half = 255;
        double fc = cutoffHz / 16_000;
        double[] h = new double[2 * half + 1];
        for (int k = -half; k <= half; k++) {
            double sinc = k == 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * k) / (Math.PI * k);
            double w = 0.42 + 0.5 * Math.cos(Math.PI * k / half) + 0.08 * Math.cos(2 * Math.PI * k / half);
            h[k + half] = sinc * w;
        }
        short[] y = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            double acc = 0;
            for (int k = -half; k <= half; k++) {
                int j = i + k;
                if (j >= 0 && j < x.length) {
                    acc += h[k + half] * x[j];
                }
            }
            y[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(acc)));
        }
        return y;
    }

    /** The best {@link #snr} and the delay giving it, in samples. */
    record Aligned(double snr, double delay) {
    }

    /**
     * The SNR of {@code actual} against {@code reference} after shifting {@code actual} by the delay, within
     * {@code maxDelay} samples either way, that gives the best one: searched in quarter samples, then refined to
     * 1/32 sample. Shifts are windowed-sinc interpolations; 64 samples at each end are left out.
     */
    static Aligned alignedSnr(short[] reference, short[] actual, int maxDelay) {
        Aligned best = new Aligned(Double.NEGATIVE_INFINITY, 0);
        for (int step = -4 * maxDelay; step <= 4 * maxDelay; step++) {
            best = better(best, reference, actual, step / 4.0);
        }
        double coarse = best.delay();
        for (int step = -8; step <= 8; step++) {
            best = better(best, reference, actual, coarse + step / 32.0);
        }
        return best;
    }

    private static Aligned better(Aligned best, short[] reference, short[] actual, double delay) {
        int half = 32;
        int edge = 64;
        double[] taps = new double[2 * half];
        int whole = (int) Math.floor(delay);
        double frac = delay - whole;
        for (int k = 0; k < taps.length; k++) {
            double x = k - half + 1 - frac;
            double window = 0.5 + 0.5 * Math.cos(Math.PI * x / half);
            taps[k] = (x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)) * window;
        }
        double signal = 0;
        double noise = 0;
        for (int i = edge; i < reference.length - edge; i++) {
            double v = 0;
            int base = i + whole - half + 1;
            for (int k = 0; k < taps.length; k++) {
                int j = base + k;
                if (j >= 0 && j < actual.length) {
                    v += taps[k] * actual[j];
                }
            }
            double d = reference[i] - v;
            signal += (double) reference[i] * reference[i];
            noise += d * d;
        }
        double snr = 10 * Math.log10(signal / noise);
        return snr > best.snr() ? new Aligned(snr, delay) : best;
    }

    /** A sink that keeps every sample. */
    static final class Collector implements PcmSink {

        private short[] samples = new short[16_000];
        private int length;

        @Override
        public void accept(short[] data, int offset, int count) {
            if (length + count > samples.length) {
                samples = Arrays.copyOf(samples, Math.max(2 * samples.length, length + count));
            }
            System.arraycopy(data, offset, samples, length, count);
            length += count;
        }

        short[] samples() {
            return Arrays.copyOf(samples, length);
        }
    }

    /** The result of decoding bytes with a reader: the info and every sample. */
    record Decoded(AudioFileInfo info, short[] samples) {
    }

    static Decoded decode(AudioFileReader reader, byte[] file) throws IOException, AudioFileException {
        Collector sink = new Collector();
        AudioFileInfo info = reader.read(new ByteArrayInputStream(file), sink);
        return new Decoded(info, sink.samples());
    }
}
