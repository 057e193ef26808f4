package io.earshot.audio.file;

import io.earshot.audio.PcmConverter;
import io.earshot.audio.PcmSink;
import io.github.jaredmdobson.concentus.OpusDecoder;
import io.github.jaredmdobson.concentus.OpusException;
import io.github.jaredmdobson.concentus.OpusPacketInfo;

/**
 * The Opus half of reading an Opus file, whatever its container: the identification header's rules (RFC 7845
 * section 5.1), packets decoded by Concentus at 48 kHz mono (a mono decoder mixes stereo packets down), the
 * pre-skip dropped from the start, an end limit, and a {@link PcmConverter} band-limiting to 16 kHz. Decoding
 * at 48 kHz is deliberate: Concentus 1.0.2 created at a lower rate turns hybrid (SILK+CELT) packets, what
 * libopus makes of speech at 24 to 40 kbit/s, into silence; at 48 kHz every mode decodes as libopus does.
 *
 * <p>Only mono and stereo Opus is taken (channel mapping family 0, or family 1 with the plain one-stream mono
 * or stereo mapping). Nothing Concentus throws gets out: a packet it cannot decode is reported to the container
 * reader, which names it in its own terms.
 */
final class OpusFileDecoder {

    /** No valid Opus packet is this long (120 ms of 1275-byte frames and their framing is less). */
    static final int MAX_PACKET_BYTES = 64 * 1024;
    /** Opus' own rate, at which pre-skip and positions count and at which the decoder runs. */
    static final int RATE = 48_000;
    /** The longest packet, 120 ms. */
    static final int MAX_PACKET_SAMPLES = RATE * 120 / 1000;

    private final PcmConverter converter;
    private final short[] pcm = new short[MAX_PACKET_SAMPLES];
    private OpusDecoder decoder;
    private int channels;
    private int inputRate;
    private int preSkip;
    /** Samples at 48 kHz still to drop from the start. */
    private int skip;
    /** Most samples at 48 kHz to emit in all. */
    private long limit = Long.MAX_VALUE;
    /** Samples at 48 kHz handed to the converter. */
    private long emitted;

    OpusFileDecoder(PcmSink sink) {
        this.converter = new PcmConverter(RATE, 1, sink);
    }

    /**
     * Takes the identification header, "OpusHead" magic included, from the first {@code length} bytes of
     * {@code b}, and creates the decoder. {@code offset} is where the header lies in the file, for problems.
     */
    void head(byte[] b, int length, long offset) throws AudioFileException {
        if (length < 19) {
            throw AudioFileException.corrupt("The OpusHead header is too short (" + length + " bytes).", offset);
        }
        int version = b[8] & 0xff;
        if (version >> 4 != 0) {
            throw AudioFileException.unsupported("OpusHead version " + version + " is not supported.");
        }
        channels = b[9] & 0xff;
        preSkip = (b[10] & 0xff) | (b[11] & 0xff) << 8;
        long rate = (b[12] & 0xffL) | (b[13] & 0xffL) << 8 | (b[14] & 0xffL) << 16 | (b[15] & 0xffL) << 24;
        inputRate = (int) Math.min(rate, Integer.MAX_VALUE);
        int gain = (short) ((b[16] & 0xff) | (b[17] & 0xff) << 8);
        int family = b[18] & 0xff;
        if (channels == 0 || family == 0 && channels > 2) {
            throw AudioFileException.corrupt("The OpusHead header gives an invalid channel count (" + channels
                    + " for channel mapping family " + family + ").", offset);
        }
        if (channels > 2) {
            throw AudioFileException.unsupported("Opus with " + channels + " channels is not supported: send "
                    + "mono or stereo.");
        }
        if (family == 1) {
            if (length < 21 + channels) {
                throw AudioFileException.corrupt("The OpusHead header is too short for its channel mapping.",
                        offset);
            }
            boolean plain = b[19] == 1 && b[20] == channels - 1 && b[21] == 0 && (channels == 1 || b[22] == 1);
            if (!plain) {
                throw AudioFileException.unsupported("This Opus stream's channel mapping is not supported: "
                        + "send plain mono or stereo.");
            }
        } else if (family != 0) {
            throw AudioFileException.unsupported("Opus channel mapping family " + family + " is not "
                    + "supported: send plain mono or stereo.");
        }
        try {
            decoder = new OpusDecoder(RATE, 1);
        } catch (OpusException e) {
            throw new IllegalStateException("Opus decoder could not be created", e);
        }
        decoder.setGain(gain);
        skip = preSkip;
    }

    /** Sets the pre-skip, in samples at 48 kHz, when the container gives it and the header gives none. */
    void defaultPreSkip(int samples) {
        if (preSkip == 0 && emitted == 0) {
            preSkip = samples;
            skip = samples;
        }
    }

    int preSkip() {
        return preSkip;
    }

    /** Samples at 48 kHz emitted so far, after the pre-skip. */
    long emitted() {
        return emitted;
    }

    /** Ends the stream after {@code samples} samples at 48 kHz, counted after the pre-skip. */
    void limit(long samples) {
        limit = samples;
    }

    /**
     * The samples at 48 kHz the packet's table of contents describes, if that is 2.5 to 120 ms as it must be,
     * or 0. Concentus trusts these fields when it decodes, so they are checked first.
     */
    static int duration(byte[] packet, int offset, int length) {
        try {
            int n = OpusPacketInfo.getNumSamples(packet, offset, length, RATE);
            return n > 0 && n <= MAX_PACKET_SAMPLES ? n : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /**
     * Decodes one packet and keeps its samples for {@link #emit}; returns how many there are at 48 kHz, or 0 if
     * the packet cannot be decoded.
     */
    int decode(byte[] packet, int offset, int length) {
        if (length > MAX_PACKET_BYTES || duration(packet, offset, length) == 0) {
            return 0;
        }
        try {
            return Math.max(0, decoder.decode(packet, offset, length, pcm, 0, MAX_PACKET_SAMPLES, false));
        } catch (OpusException | RuntimeException | StackOverflowError | AssertionError e) {
            return 0;
        }
    }

    /**
     * Emits the first {@code count} samples of the packet just decoded, less what the pre-skip still drops and
     * what lies beyond the limit.
     */
    void emit(int count) {
        int from = Math.min(skip, count);
        skip -= from;
        int n = (int) Math.max(0, Math.min(count - from, limit - emitted));
        converter.acceptShorts(pcm, from, n);
        emitted += n;
    }

    /** Flushes the converter and describes what was decoded. */
    AudioFileInfo finish(String container) {
        converter.finish();
        return new AudioFileInfo(container, "opus", inputRate > 0 ? inputRate : RATE, channels,
                emitted * 1_000_000 / RATE, converter.outputSamples());
    }
}
