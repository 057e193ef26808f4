package io.earshot.audio;

/** The format every decoder produces and every engine consumes: 16 kHz, mono, signed 16-bit. */
public final class EngineFormat {

    public static final int SAMPLE_RATE = 16_000;
    public static final int CHANNELS = 1;
    public static final int BYTES_PER_SAMPLE = 2;

    private EngineFormat() {
    }

    /**
     * Writes samples as 16-bit little-endian bytes (WAV data, a raw PCM file), through {@code scratch} (any even
     * length of at least 2).
     */
    public static void writeLittleEndian(short[] data, int offset, int count, byte[] scratch,
            java.io.OutputStream out) throws java.io.IOException {
        for (int i = 0; i < count; ) {
            int k = Math.min(count - i, scratch.length / 2);
            for (int j = 0; j < k; j++) {
                short s = data[offset + i + j];
                scratch[2 * j] = (byte) s;
                scratch[2 * j + 1] = (byte) (s >> 8);
            }
            out.write(scratch, 0, 2 * k);
            i += k;
        }
    }

    /** Milliseconds of audio in {@code samples} engine-format samples. */
    public static long millis(long samples) {
        return samples * 1000 / SAMPLE_RATE;
    }
}
