package io.earshot.audio.file;

import io.earshot.audio.PcmConverter;
import io.earshot.audio.PcmSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads RIFF/WAVE files, and their 64-bit variants RF64 and BW64, holding uncompressed PCM: unsigned 8-bit,
 * signed 16, 24 and 32-bit integers, and 32 or 64-bit IEEE floats, all little-endian, in a plain
 * ({@code WAVE_FORMAT_PCM}, {@code WAVE_FORMAT_IEEE_FLOAT}) or {@code WAVE_FORMAT_EXTENSIBLE} header, mono or
 * stereo, at the streaming PCM codec's rates. Samples go through a {@link PcmConverter}, so the output is
 * 16 kHz mono whatever the file's rate and layout; a 16 kHz mono 16-bit file comes out bit for bit.
 *
 * <p>Chunks other than {@code fmt } and {@code data} are skipped without being buffered, and so is anything
 * after the data chunk. Recorders that stream a WAV file and never go back to patch its header leave the
 * data size 0 or 0xFFFFFFFF: both mean "to the end of the file". Otherwise a data chunk that ends early, or
 * ends inside a sample frame, is a truncated file. The RIFF size field is ignored, as writers often get it
 * wrong and nothing depends on it.
 */
public final class WavReader implements AudioFileReader {

    /** Bytes read and converted at a time. */
    static final int BLOCK_BYTES = 64 * 1024;

    private static final long UNKNOWN_SIZE = 0xFFFF_FFFFL;
    private static final int WAVE_FORMAT_PCM = 1;
    private static final int WAVE_FORMAT_IEEE_FLOAT = 3;
    private static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;
    /** Bytes 2..15 of every standard sub-format GUID; bytes 0..1 hold the format tag. */
    private static final byte[] GUID_TAIL = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00,
            (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};

    /** How samples are stored in the data chunk. */
    private enum Encoding {
        U8("pcm_u8", 1), S16("pcm_s16le", 2), S24("pcm_s24le", 3), S32("pcm_s32le", 4),
        F32("pcm_f32le", 4), F64("pcm_f64le", 8);

        final String codec;
        final int bytes;

        Encoding(String codec, int bytes) {
            this.codec = codec;
            this.bytes = bytes;
        }
    }

    private record Format(Encoding encoding, int sampleRate, int channels) {

        int frameBytes() {
            return encoding.bytes * channels;
        }
    }

    @Override
    public AudioFileInfo read(InputStream stream, PcmSink sink) throws IOException, AudioFileException {
        ByteInput in = new ByteInput(stream);
        byte[] header = new byte[40];
        boolean rf64 = readRiffHeader(in, header);
        long ds64DataSize = rf64 ? readDs64(in, header) : -1;
        Format format = null;
        while (true) {
            long at = in.position();
            int n = in.read(header, 0, 8);
            if (n < 8) {
                throw AudioFileException.truncated("The WAV file ends before its "
                        + (format == null ? "fmt" : "data") + " chunk.", in.position());
            }
            String id = fourCc(header, 0);
            long size = u32(header, 4);
            if (id.equals("fmt ")) {
                if (format != null) {
                    throw AudioFileException.corrupt("The WAV file has a second fmt chunk at byte " + at + ".", at);
                }
                format = readFormat(in, header, size, at);
            } else if (id.equals("data")) {
                if (format == null) {
                    throw AudioFileException.corrupt("The WAV file's data chunk (byte " + at
                            + ") comes before its fmt chunk.", at);
                }
                long declared = size == UNKNOWN_SIZE && rf64 ? ds64DataSize
                        : size == 0 || size == UNKNOWN_SIZE ? -1 : size;
                return readData(in, format, declared, sink);
            } else if (in.skip(size + (size & 1)) < size) {
                throw AudioFileException.truncated("The WAV file ends inside its " + describe(id)
                        + " chunk that starts at byte " + at + ".", in.position());
            }
        }
    }

    /** Reads the 12-byte RIFF header; true for RF64/BW64. */
    private static boolean readRiffHeader(ByteInput in, byte[] header) throws IOException, AudioFileException {
        int n = in.read(header, 0, 12);
        if (n == 0) {
            throw AudioFileException.truncated("The file is empty.", 0);
        }
        String magic = new String(header, 0, Math.min(n, 4), StandardCharsets.ISO_8859_1);
        if (magic.equals("RIFX")) {
            throw AudioFileException.unsupported("Big-endian WAV files (RIFX) are not supported.");
        }
        if (!"RIFF".startsWith(magic) && !"RF64".startsWith(magic) && !"BW64".startsWith(magic)) {
            throw AudioFileException.corrupt("This is not a WAV file: it does not start with \"RIFF\".", 0);
        }
        if (n < 12) {
            throw AudioFileException.truncated("The file ends inside its WAV header.", n);
        }
        String form = fourCc(header, 8);
        if (!form.equals("WAVE")) {
            if (printable(form)) {
                throw AudioFileException.unsupported("This RIFF file holds '" + form.strip()
                        + "' data, not WAVE audio.");
            }
            throw AudioFileException.corrupt("This is not a WAV file: its RIFF form type is not \"WAVE\".", 8);
        }
        return !magic.equals("RIFF");
    }

    /** Reads the ds64 chunk that must open an RF64 file; returns its 64-bit data chunk size. */
    private static long readDs64(ByteInput in, byte[] b) throws IOException, AudioFileException {
        long at = in.position();
        int n = in.read(b, 0, 8);
        long size = u32(b, 4);
        if (n == 8 && (!fourCc(b, 0).equals("ds64") || size < 24)) {
            throw AudioFileException.corrupt("The RF64 file has no valid ds64 chunk at byte " + at + ".", at);
        }
        if (n < 8 || in.read(b, 8, 24) < 24 || in.skip(size - 24 + (size & 1)) < size - 24) {
            throw AudioFileException.truncated("The file ends inside its RF64 header.", in.position());
        }
        long dataSize = u32(b, 16) | u32(b, 20) << 32;
        if (dataSize < 0) {
            throw AudioFileException.corrupt("The RF64 file's data size is out of range.", at);
        }
        return dataSize;
    }

    private static Format readFormat(ByteInput in, byte[] b, long size, long at)
            throws IOException, AudioFileException {
        if (size < 16) {
            throw AudioFileException.corrupt("The WAV file's fmt chunk is too short (" + size + " bytes).", at);
        }
        int want = (int) Math.min(size, 40);
        if (in.read(b, 0, want) < want || in.skip(size - want + (size & 1)) < size - want) {
            throw AudioFileException.truncated("The WAV file ends inside its fmt chunk.", in.position());
        }
        int tag = u16(b, 0);
        int channels = u16(b, 2);
        long rate = u32(b, 4);
        long byteRate = u32(b, 8);
        int blockAlign = u16(b, 12);
        int bits = u16(b, 14);
        int validBits = bits;
        String extensible = "";
        if (tag == WAVE_FORMAT_EXTENSIBLE) {
            if (size < 40 || u16(b, 16) < 22) {
                throw AudioFileException.corrupt("The WAV file's extensible fmt chunk is too short.", at);
            }
            validBits = u16(b, 18) == 0 ? bits : u16(b, 18);
            for (int i = 0; i < GUID_TAIL.length; i++) {
                if (b[26 + i] != GUID_TAIL[i]) {
                    throw AudioFileException.unsupported("WAV files with a non-standard sub-format GUID are not "
                            + "supported: send integer PCM or IEEE float.");
                }
            }
            tag = u16(b, 24);
            extensible = " (extensible)";
        }
        if (tag != WAVE_FORMAT_PCM && tag != WAVE_FORMAT_IEEE_FLOAT) {
            throw AudioFileException.unsupported("WAV files with " + formatName(tag) + extensible
                    + " audio are not supported: send integer PCM or IEEE float.");
        }
        if (channels == 0 || bits == 0 || rate == 0) {
            throw AudioFileException.corrupt("The WAV file's fmt chunk gives a zero channel count, sample size "
                    + "or rate.", at);
        }
        long expectedAlign = (long) channels * ((bits + 7) / 8);
        if (blockAlign != expectedAlign || byteRate != rate * blockAlign || validBits > bits) {
            throw AudioFileException.corrupt("The WAV file's fmt chunk is inconsistent: " + channels
                    + " channels of " + bits + "-bit samples at " + rate + " Hz need a block align of "
                    + expectedAlign + " and " + rate * expectedAlign + " bytes per second, but it says "
                    + blockAlign + " and " + byteRate + ".", at);
        }
        Encoding encoding = encoding(tag, bits);
        if (encoding == null) {
            throw AudioFileException.unsupported(bits + "-bit " + (tag == WAVE_FORMAT_PCM ? "integer" : "float")
                    + " WAV files are not supported: send 8, 16, 24 or 32-bit integer or 32 or 64-bit float "
                    + "samples.");
        }
        PcmLimits.check(rate, channels);
        return new Format(encoding, (int) rate, channels);
    }

    private static Encoding encoding(int tag, int bits) {
        if (tag == WAVE_FORMAT_IEEE_FLOAT) {
            return bits == 32 ? Encoding.F32 : bits == 64 ? Encoding.F64 : null;
        }
        return switch (bits) {
            case 8 -> Encoding.U8;
            case 16 -> Encoding.S16;
            case 24 -> Encoding.S24;
            case 32 -> Encoding.S32;
            default -> null;
        };
    }

    /**
     * Converts the data chunk: {@code declared} bytes, or to the end of the file if negative. Blocks hold whole
     * sample frames, so only the last read can end inside one.
     */
    private static AudioFileInfo readData(ByteInput in, Format format, long declared, PcmSink sink)
            throws IOException, AudioFileException {
        PcmConverter converter = new PcmConverter(format.sampleRate(), format.channels(), sink);
        int frameBytes = format.frameBytes();
        byte[] block = new byte[BLOCK_BYTES - BLOCK_BYTES % frameBytes];
        SampleDecoder decoder = new SampleDecoder(format, block.length / frameBytes, converter);
        long start = in.position();
        while (true) {
            long left = declared < 0 ? block.length : declared - (in.position() - start);
            int want = (int) Math.min(block.length, left);
            int n = in.read(block, 0, want);
            int partial = n % frameBytes;
            decoder.convert(block, n - partial);
            if (n < want && declared >= 0) {
                throw AudioFileException.truncated("The WAV file ends after " + (in.position() - start) + " of the "
                        + declared + " bytes its data chunk declares.", in.position());
            }
            if (partial != 0) {
                throw AudioFileException.truncated("The WAV file's audio ends inside a sample frame: " + partial
                        + " bytes are left over after the last whole " + frameBytes + "-byte frame.",
                        in.position() - partial);
            }
            if (n < want || want == 0) {
                break;
            }
        }
        converter.finish();
        long frames = converter.inputFrames();
        return new AudioFileInfo(AudioFileInfo.WAV, format.encoding().codec, format.sampleRate(),
                format.channels(), frames * 1_000_000 / format.sampleRate(), converter.outputSamples());
    }

    /** Little-endian samples of one format to the converter, through a reusable buffer. */
    private static final class SampleDecoder {

        private static final float S24_SCALE = 1f / (1 << 23);
        private static final float S32_SCALE = 1f / (1L << 31);

        private final Encoding encoding;
        private final int channels;
        private final PcmConverter converter;
        private final short[] shorts;
        private final float[] floats;

        SampleDecoder(Format format, int framesPerBlock, PcmConverter converter) {
            this.encoding = format.encoding();
            this.channels = format.channels();
            this.converter = converter;
            int samples = framesPerBlock * channels;
            this.shorts = encoding == Encoding.U8 ? new short[samples] : null;
            this.floats = encoding == Encoding.U8 || encoding == Encoding.S16 ? null : new float[samples];
        }

        void convert(byte[] b, int length) {
            int frames = length / (encoding.bytes * channels);
            int samples = frames * channels;
            switch (encoding) {
                case U8 -> {
                    for (int i = 0; i < samples; i++) {
                        shorts[i] = (short) (((b[i] & 0xff) - 128) << 8);
                    }
                    converter.acceptShorts(shorts, 0, frames);
                }
                case S16 -> converter.acceptS16le(b, 0, length);
                case S24 -> {
                    for (int i = 0, p = 0; i < samples; i++, p += 3) {
                        int v = (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | b[p + 2] << 16;
                        floats[i] = v * S24_SCALE;
                    }
                    converter.acceptFloats(floats, 0, frames);
                }
                case S32 -> {
                    for (int i = 0; i < samples; i++) {
                        floats[i] = s32(b, i * 4) * S32_SCALE;
                    }
                    converter.acceptFloats(floats, 0, frames);
                }
                case F32 -> {
                    for (int i = 0; i < samples; i++) {
                        floats[i] = clamp(Float.intBitsToFloat(s32(b, i * 4)));
                    }
                    converter.acceptFloats(floats, 0, frames);
                }
                case F64 -> {
                    for (int i = 0; i < samples; i++) {
                        long bits = s32(b, i * 8) & 0xFFFF_FFFFL | (long) s32(b, i * 8 + 4) << 32;
                        floats[i] = clamp((float) Double.longBitsToDouble(bits));
                    }
                    converter.acceptFloats(floats, 0, frames);
                }
            }
        }

        /**
         * Float samples are clipped to [-1, 1] and NaN is read as silence before they reach the resampler, where
         * one infinite or NaN value would spread to every later output sample.
         */
        private static float clamp(float v) {
            return v != v ? 0f : Math.max(-1f, Math.min(1f, v));
        }

        private static int s32(byte[] b, int p) {
            return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | b[p + 3] << 24;
        }
    }

    private static String formatName(int tag) {
        return switch (tag) {
            case 0x0002 -> "Microsoft ADPCM";
            case 0x0006 -> "A-law";
            case 0x0007 -> "\u00b5-law";
            case 0x0011 -> "IMA ADPCM";
            case 0x0031 -> "GSM 6.10";
            case 0x0055 -> "MP3";
            default -> String.format("format code 0x%04X", tag);
        };
    }

    private static String describe(String id) {
        return printable(id) ? "'" + id + "'" : "unnamed";
    }

    private static boolean printable(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    private static String fourCc(byte[] b, int p) {
        return new String(b, p, 4, StandardCharsets.ISO_8859_1);
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
    }
}
