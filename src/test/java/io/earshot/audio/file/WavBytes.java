package io.earshot.audio.file;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds WAV files for tests, well-formed by default; every field a reader checks can be set to something
 * wrong. Chunks are written in the order they are added.
 */
final class WavBytes {

    static final int PCM = 1;
    static final int FLOAT = 3;
    static final int EXTENSIBLE = 0xFFFE;

    private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();
    private String magic = "RIFF";
    private String form = "WAVE";

    static WavBytes riff() {
        return new WavBytes();
    }

    WavBytes magic(String magic) {
        this.magic = magic;
        return this;
    }

    WavBytes form(String form) {
        this.form = form;
        return this;
    }

    /** A plain 16-byte fmt chunk with consistent block align and byte rate. */
    WavBytes fmt(int tag, int channels, int rate, int bits) {
        int align = channels * ((bits + 7) / 8);
        return fmt(tag, channels, rate, bits, align, rate * align);
    }

    WavBytes fmt(int tag, int channels, int rate, int bits, int blockAlign, int byteRate) {
        byte[] b = new byte[16];
        put16(b, 0, tag);
        put16(b, 2, channels);
        put32(b, 4, rate);
        put32(b, 8, byteRate);
        put16(b, 12, blockAlign);
        put16(b, 14, bits);
        return chunk("fmt ", b);
    }

    /** A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk whose sub-format GUID carries {@code subTag}. */
    WavBytes extensible(int subTag, int channels, int rate, int containerBits, int validBits) {
        int align = channels * containerBits / 8;
        byte[] b = new byte[40];
        put16(b, 0, EXTENSIBLE);
        put16(b, 2, channels);
        put32(b, 4, rate);
        put32(b, 8, rate * align);
        put16(b, 12, align);
        put16(b, 14, containerBits);
        put16(b, 16, 22);
        put16(b, 18, validBits);
        put32(b, 20, channels == 1 ? 4 : 3);
        put16(b, 24, subTag);
        byte[] tail = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38,
                (byte) 0x9B, 0x71};
        System.arraycopy(tail, 0, b, 26, tail.length);
        return chunk("fmt ", b);
    }

    /** A chunk with its size field set to its length, and a pad byte if that is odd. */
    WavBytes chunk(String id, byte[] body) {
        return chunk(id, body.length, body);
    }

    /** A chunk whose size field says {@code declared}, whatever the body's length; padded if odd. */
    WavBytes chunk(String id, long declared, byte[] body) {
        chunks.writeBytes(id.getBytes(StandardCharsets.ISO_8859_1));
        byte[] size = new byte[4];
        put32(size, 0, (int) declared);
        chunks.writeBytes(size);
        chunks.writeBytes(body);
        if (body.length % 2 == 1) {
            chunks.write(0);
        }
        return this;
    }

    WavBytes data(byte[] samples) {
        return chunk("data", samples);
    }

    /** Raw bytes, appended as they are. */
    WavBytes raw(byte[] bytes) {
        chunks.writeBytes(bytes);
        return this;
    }

    byte[] build() {
        byte[] body = chunks.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(magic.getBytes(StandardCharsets.ISO_8859_1));
        byte[] size = new byte[4];
        put32(size, 0, magic.equals("RIFF") ? 4 + body.length : -1);
        out.writeBytes(size);
        out.writeBytes(form.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** Little-endian 16-bit samples. */
    static byte[] s16le(short... samples) {
        byte[] b = new byte[samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            put16(b, 2 * i, samples[i]);
        }
        return b;
    }

    static void put16(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
    }

    static void put32(byte[] b, int p, int v) {
        for (int i = 0; i < 4; i++) {
            b[p + i] = (byte) (v >>> 8 * i);
        }
    }
}
