package io.earshot.audio.file;

import io.earshot.audio.PcmConverter;
import io.earshot.audio.PcmSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;

/**
 * Reads headerless signed 16-bit PCM, channels interleaved, whose rate and channel count come from outside the
 * file (a media type's parameters). {@code audio/L16} (RFC 2586, RFC 3551) is big-endian, network byte order;
 * raw captures from most tools are little-endian. The whole input is audio, so the only thing that can be
 * wrong with it is its length: it must hold whole sample frames.
 */
public final class RawPcmReader implements AudioFileReader {

    private final int sampleRate;
    private final int channels;
    private final ByteOrder order;

    /** @throws AudioFileException (unsupported) if the rate or channel count is not one the server takes */
    public RawPcmReader(int sampleRate, int channels, ByteOrder order) throws AudioFileException {
        PcmLimits.check(sampleRate, channels);
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.order = order;
    }

    @Override
    public AudioFileInfo read(InputStream stream, PcmSink sink) throws IOException, AudioFileException {
        ByteInput in = new ByteInput(stream);
        PcmConverter converter = new PcmConverter(sampleRate, channels, sink);
        boolean bigEndian = order == ByteOrder.BIG_ENDIAN;
        int frameBytes = 2 * channels;
        byte[] block = new byte[WavReader.BLOCK_BYTES];
        short[] samples = new short[block.length / 2];
        while (true) {
            int n = in.read(block, 0, block.length);
            int partial = n % frameBytes;
            int whole = n - partial;
            if (bigEndian) {
                for (int i = 0; i < whole / 2; i++) {
                    samples[i] = (short) (block[2 * i] << 8 | block[2 * i + 1] & 0xff);
                }
                converter.acceptShorts(samples, 0, whole / frameBytes);
            } else {
                converter.acceptS16le(block, 0, whole);
            }
            if (partial != 0) {
                throw AudioFileException.truncated("The audio ends inside a sample frame: " + partial + " bytes are "
                        + "left over after the last whole " + frameBytes + "-byte frame.", in.position() - partial);
            }
            if (n < block.length) {
                break;
            }
        }
        converter.finish();
        long frames = converter.inputFrames();
        return new AudioFileInfo(AudioFileInfo.RAW, bigEndian ? "pcm_s16be" : "pcm_s16le", sampleRate, channels,
                frames * 1_000_000 / sampleRate, converter.outputSamples());
    }
}
