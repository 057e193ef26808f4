package io.earshot.audio;

import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.github.jaredmdobson.concentus.OpusPacketInfo;
import java.util.Arrays;

/**
 * Opus chunks, one self-contained packet each (RFC 6716), decoded by Concentus at 48 kHz mono (a mono
 * decoder mixes a stereo packet down), then brought to 16 kHz by the band-limited {@link Resampler}. The
 * stream's declared rate and channels describe the encoder's input and do not change the output.
 *
 * <p>Why not let the Opus decoder produce 16 kHz itself, as libopus can: Concentus 1.0.2 decodes hybrid-mode
 * packets (SILK plus CELT, which encoders choose for super- and full-band speech at medium bit rates) to
 * silence when its output rate is below 48 kHz. At 48 kHz every mode decodes correctly.
 *
 * <p>A packet that does not decode yields {@link BadAudioException}; when its table-of-contents byte still
 * gives a valid duration, that much silence goes to the sink in its place, so later samples keep their
 * position in time. The Concentus decoder is reset after any failure, and nothing it throws gets out.
 */
final class OpusPacketDecoder implements PacketDecoder {

    static final int DECODE_RATE = 48_000;
    /** The longest Opus packet: 120 ms. */
    static final int MAX_PACKET_SAMPLES = DECODE_RATE * 120 / 1000;
    /** The shortest Opus frame: 2.5 ms. */
    static final int MIN_PACKET_SAMPLES = DECODE_RATE * 25 / 10_000;
    /** Longer than any valid packet can be (48 frames of 1275 bytes plus framing). */
    static final int MAX_PACKET_BYTES = 61_440 + 1_024;

    private final OpusDecoder decoder;
    private final PcmConverter converter;
    private final short[] pcm = new short[MAX_PACKET_SAMPLES];
    private long samples;

    OpusPacketDecoder(int sampleRate, int channels, PcmSink sink) {
        this.converter = new PcmConverter(DECODE_RATE, 1, sink);
        try {
            this.decoder = new OpusDecoder(DECODE_RATE, 1);
        } catch (OpusException e) {
            throw new IllegalStateException("Opus decoder could not be created", e);
        }
    }

    @Override
    public void decode(byte[] data, int offset, int length) throws BadAudioException {
        if (length == 0) {
            throw new BadAudioException("Empty Opus packet: a chunk must hold exactly one Opus packet.");
        }
        if (length > MAX_PACKET_BYTES) {
            throw new BadAudioException("Opus packet of " + length + " bytes is longer than any valid packet.");
        }
        int duration = statedDuration(data, offset, length);
        if (duration < 0) {
            throw new BadAudioException("Not a valid Opus packet: its table of contents and frame count do not "
                    + "describe 2.5 to 120 ms of audio.");
        }
        int n;
        try {
            n = decoder.decode(data, offset, length, pcm, 0, MAX_PACKET_SAMPLES, false);
        } catch (OpusException e) {
            conceal(duration);
            throw new BadAudioException("Opus packet could not be decoded (" + reason(e) + ").");
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
            conceal(duration);
            throw new BadAudioException("Opus packet could not be decoded (corrupt data).");
        }
        if (n <= 0) {
            conceal(duration);
            throw new BadAudioException("Opus packet decoded to no audio.");
        }
        samples += n;
        converter.acceptShorts(pcm, 0, n);
    }

    @Override
    public void finish() {
        converter.finish();
    }

    @Override
    public long decodedMicros() {
        return samples * 1_000_000 / DECODE_RATE;
    }

    /** Samples at 48 kHz the packet's header describes, or -1 if it describes no valid packet. */
    static int statedDuration(byte[] data, int offset, int length) {
        try {
            int n = OpusPacketInfo.getNumSamples(data, offset, length, DECODE_RATE);
            return n >= MIN_PACKET_SAMPLES && n <= MAX_PACKET_SAMPLES ? n : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private void conceal(int duration) {
        decoder.resetState();
        if (duration > 0) {
            Arrays.fill(pcm, 0, duration, (short) 0);
            samples += duration;
            converter.acceptShorts(pcm, 0, duration);
        }
    }

    private static String reason(OpusException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "invalid packet" : m.toLowerCase(java.util.Locale.ROOT);
    }
}
