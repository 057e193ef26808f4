package io.earshot.audio;

/** The format every decoder produces and every engine consumes: 16 kHz, mono, signed 16-bit. */
public final class EngineFormat {

    public static final int SAMPLE_RATE = 16_000;
    public static final int CHANNELS = 1;
    public static final int BYTES_PER_SAMPLE = 2;

    private EngineFormat() {
    }

    /** Milliseconds of audio in {@code samples} engine-format samples. */
    public static long millis(long samples) {
        return samples * 1000 / SAMPLE_RATE;
    }
}
