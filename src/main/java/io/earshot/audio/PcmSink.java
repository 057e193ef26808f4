package io.earshot.audio;

/**
 * Receives decoded audio in the engine's format: 16 kHz, mono, signed 16-bit samples. The array is only
 * valid during the call; a sink that keeps samples copies them.
 */
@FunctionalInterface
public interface PcmSink {

    /** A sink that drops everything. */
    PcmSink DISCARD = (samples, offset, length) -> { };

    void accept(short[] samples, int offset, int length);
}
