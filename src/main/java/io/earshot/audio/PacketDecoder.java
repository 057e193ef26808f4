package io.earshot.audio;

/**
 * Decodes one stream's chunks, in order, to the engine's format, handing the samples to the sink it was made with. A decoder holds state across chunks (Opus
 * prediction, resampler history) and serves exactly one stream; it is not thread-safe. Nothing but
 * {@link BadAudioException} leaves {@link #decode}, and after one the decoder goes on with the next chunk.
 */
public interface PacketDecoder {

    /** Decodes one chunk and hands the samples to the decoder's sink. */
    void decode(byte[] data, int offset, int length) throws BadAudioException;

    /** End of stream: hands any samples still held (the resampler's tail) to the sink. */
    void finish();

    /** Duration of the audio decoded so far, in microseconds, at the stream's own rate. */
    long decodedMicros();
}
