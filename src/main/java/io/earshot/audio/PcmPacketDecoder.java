package io.earshot.audio;

/** PCM s16le chunks: each must hold whole sample frames; converted by a {@link PcmConverter}. */
final class PcmPacketDecoder implements PacketDecoder {

    private final int sampleRate;
    private final int frameBytes;
    private final PcmConverter converter;

    PcmPacketDecoder(int sampleRate, int channels, PcmSink sink) {
        this.sampleRate = sampleRate;
        this.frameBytes = 2 * channels;
        this.converter = new PcmConverter(sampleRate, channels, sink);
    }

    @Override
    public void decode(byte[] data, int offset, int length) throws BadAudioException {
        if (length % frameBytes != 0) {
            throw new BadAudioException("PCM chunk of " + length + " bytes does not hold whole samples (a sample frame is "
                    + frameBytes + " bytes).");
        }
        converter.acceptS16le(data, offset, length);
    }

    @Override
    public void finish() {
        converter.finish();
    }

    @Override
    public long decodedMicros() {
        return converter.inputFrames() * 1_000_000 / sampleRate;
    }
}
