package io.earshot.audio;

/**
 * How many engine-format samples a fresh decoder of one stream yields, counted from the chunks without
 * decoding them: what a response must promise in its {@code Content-Length} before the first sample is decoded.
 * The count follows the decoders' rules exactly: a PCM chunk that does not hold whole sample frames yields
 * nothing; an Opus chunk yields the duration its table of contents states, decoded or (if it fails to decode)
 * as silence, and nothing if it states no valid duration; and the resampler's output, after
 * {@link PacketDecoder#finish()}, is {@code ceil(frames * 16000 / rate)} samples.
 */
public final class DecodedLength {

    private final AudioCodec codec;
    private final int frameBytes;
    /** The rate the decoder's converter takes: 48 kHz for Opus, the stream's own rate for PCM. */
    private final int decodeRate;
    private long frames;

    public DecodedLength(AudioCodec codec, int sampleRate, int channels) {
        this.codec = codec;
        this.frameBytes = 2 * channels;
        this.decodeRate = codec == AudioCodec.OPUS ? OpusPacketDecoder.DECODE_RATE : sampleRate;
    }

    /** Counts one chunk, as the stream's decoder would receive it. */
    public void add(byte[] data, int offset, int length) {
        frames += switch (codec) {
            case PCM_S16LE -> length % frameBytes == 0 ? length / frameBytes : 0;
            case OPUS -> length == 0 || length > OpusPacketDecoder.MAX_PACKET_BYTES ? 0
                    : Math.max(0, OpusPacketDecoder.statedDuration(data, offset, length));
        };
    }

    /** Engine-format samples the chunks counted so far decode to, the resampler's tail included. */
    public long engineSamples() {
        if (decodeRate == EngineFormat.SAMPLE_RATE) {
            return frames;
        }
        return (frames * EngineFormat.SAMPLE_RATE + decodeRate - 1) / decodeRate;
    }

    /** Duration of the chunks counted so far, in microseconds. */
    public long micros() {
        return frames * 1_000_000 / decodeRate;
    }
}
