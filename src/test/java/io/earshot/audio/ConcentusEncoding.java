package io.earshot.audio;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import io.github.jaredmdobson.concentus.OpusException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Opus packets made by Concentus's encoder from 16 kHz mono test speech, for the unit and integration tests. */
public final class ConcentusEncoding {

    private ConcentusEncoding() {
    }

    /** Packets of {@code source} (16 kHz mono) encoded by Concentus at the given rate, channels and frame size. */
    public static List<byte[]> encode(short[] source, int rate, int channels, double frameMs, int bitrate) throws OpusException {
        return encode(source, rate, channels, frameMs, bitrate, OpusApplication.OPUS_APPLICATION_AUDIO);
    }

    public static List<byte[]> encode(short[] source, int rate, int channels, double frameMs, int bitrate,
            OpusApplication application) throws OpusException {
        short[] input = toRate(source, rate, channels);
        OpusEncoder encoder = new OpusEncoder(rate, channels, application);
        encoder.setBitrate(bitrate);
        encoder.setComplexity(10);
        int frame = (int) Math.round(rate * frameMs / 1000);
        List<byte[]> packets = new ArrayList<>();
        byte[] out = new byte[1275 * 3];
        short[] block = new short[frame * channels];
        int frames = input.length / channels;
        // Pad with a frame of silence so the encoder's look-ahead flushes the end of the speech.
        for (int pos = 0; pos < frames + frame; pos += frame) {
            Arrays.fill(block, (short) 0);
            int n = Math.max(0, Math.min(frame, frames - pos));
            if (n > 0) {
                System.arraycopy(input, pos * channels, block, 0, n * channels);
            }
            int len = encoder.encode(block, 0, frame, out, 0, out.length);
            packets.add(Arrays.copyOf(out, len));
        }
        return packets;
    }

    /** The encoder's look-ahead at 16 kHz: how far the decoded output lags the input. */
    public static int lookahead16k(int rate, int channels) throws OpusException {
        return new OpusEncoder(rate, channels, OpusApplication.OPUS_APPLICATION_AUDIO).getLookahead() * 16_000 / rate;
    }

    /** The 16 kHz mono source at another rate (band-limited) and channel count (the same in both). */
    public static short[] toRate(short[] source, int rate, int channels) {
        Signals.Collector c = new Signals.Collector();
        if (rate == 16_000) {
            c.accept(source, 0, source.length);
        } else {
            float[] f = new float[source.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = source[i] / 32768f;
            }
            Resampler r = new Resampler(16_000, rate);
            float[] out = r.process(f, 0, f.length, null);
            int n = r.lastCount();
            float[] all = Arrays.copyOf(out, n);
            out = r.finish(out);
            all = Arrays.copyOf(all, n + r.lastCount());
            System.arraycopy(out, 0, all, n, r.lastCount());
            short[] s = new short[all.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = (short) Math.max(-32768, Math.min(32767, Math.round(all[i] * 32768)));
            }
            c.accept(s, 0, s.length);
        }
        short[] mono = c.samples();
        if (channels == 1) {
            return mono;
        }
        short[] stereo = new short[mono.length * 2];
        for (int i = 0; i < mono.length; i++) {
            stereo[2 * i] = mono[i];
            stereo[2 * i + 1] = mono[i];
        }
        return stereo;
    }
}
