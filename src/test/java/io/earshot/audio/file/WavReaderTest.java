package io.earshot.audio.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException.Problem;
import io.earshot.audio.file.TestAudio.Decoded;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * WAV decoding: the fixture matrix (the first second of clip 0880 in every supported layout, made by SoX)
 * against the 16 kHz reference, then the edge cases of the format on files built here.
 *
 * <p>SNR thresholds come from measurement, with margin. Resampled files measure 65.6 to 67.6 dB over the whole
 * second (about 70 dB away from the ends, where SoX's and our filters start differently): the two resamplers
 * differ, and SoX rounded its output to the file's sample size. The 8 kHz file cannot hold the reference's
 * 4 to 8 kHz band, so it is compared below 3.4 kHz (67 dB measured). The 8-bit file is the reference rounded
 * to 8 bits, so every sample must lie within half a step (128) of it (24.7 dB measured, set by the speech
 * level against 8-bit quantisation).
 */
class WavReaderTest {

    private static final short[] REFERENCE = TestAudio.jdkMono("wav/0880-1s-16k-mono-s16.wav");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // file, codec, rate, channels, frames, minimum SNR in dB (-1: see the dedicated test)
            "0880-1s-16k-mono-s16.wav,        pcm_s16le, 16000, 1, 16000, -1",
            "0880-1s-16k-mono-s24-wavpcm.wav, pcm_s24le, 16000, 1, 16000, -1",
            "0880-1s-16k-mono-u8.wav,         pcm_u8,    16000, 1, 16000, -1",
            "0880-1s-8k-mono-s16.wav,         pcm_s16le,  8000, 1,  8000, -1",
            "0880-1s-44k1-stereo-s16.wav,     pcm_s16le, 44100, 2, 44100, 62",
            "0880-1s-48k-stereo-s24.wav,      pcm_s24le, 48000, 2, 48000, 62",
            "0880-1s-32k-mono-s32.wav,        pcm_s32le, 32000, 1, 32000, 62",
            "0880-1s-22k05-mono-f32.wav,      pcm_f32le, 22050, 1, 22050, 62",
            "0880-1s-24k-stereo-f32.wav,      pcm_f32le, 24000, 2, 24000, 62",
    })
    void fixtureDecodesTo16kMonoMatchingTheReference(String file, String codec, int rate, int channels, long frames,
            double minSnr) throws Exception {
        Decoded d = TestAudio.decode(new WavReader(), TestAudio.resource("wav/" + file));

        long expected = (frames * 16_000 + rate - 1) / rate;
        assertEquals(new AudioFileInfo("wav", codec, rate, channels, frames * 1_000_000 / rate, expected), d.info());
        assertEquals(expected, d.samples().length);
        if (minSnr > 0) {
            double snr = TestAudio.snr(REFERENCE, d.samples());
            assertTrue(snr >= minSnr, file + ": SNR " + snr + " dB");
        }
    }

    @Test
    void sixteenKilohertzFilesComeOutBitForBit() throws Exception {
        assertArrayEquals(REFERENCE, decode("0880-1s-16k-mono-s16.wav"));
        // The 24-bit file is the reference times 256: dropping the low byte is exact.
        assertArrayEquals(REFERENCE, decode("0880-1s-16k-mono-s24-wavpcm.wav"));
    }

    @Test
    void eightBitFileIsTheReferenceWithinHalfAnEightBitStep() throws Exception {
        short[] u8 = decode("0880-1s-16k-mono-u8.wav");

        for (int i = 0; i < REFERENCE.length; i++) {
            assertTrue(Math.abs(REFERENCE[i] - u8[i]) <= 128, "sample " + i);
        }
        assertTrue(TestAudio.snr(REFERENCE, u8) >= 23);
    }

    @Test
    void eightKilohertzFileMatchesTheReferenceInTheBandItHolds() throws Exception {
        short[] nb = decode("0880-1s-8k-mono-s16.wav");

        double snr = TestAudio.snr(TestAudio.lowPass(REFERENCE, 3400), TestAudio.lowPass(nb, 3400));
        assertTrue(snr >= 60, "in-band SNR " + snr + " dB");
    }

    @Test
    void readsTheSameFromAStreamThatDeliversOneByteAtATime() throws Exception {
        byte[] file = TestAudio.resource("wav/0880-1s-48k-stereo-s24.wav");
        TestAudio.Collector sink = new TestAudio.Collector();

        new WavReader().read(new OneByteAtATime(new ByteArrayInputStream(file)), sink);

        assertArrayEquals(decode("0880-1s-48k-stereo-s24.wav"), sink.samples());
    }

    // Chunk layout.

    @Test
    void skipsUnknownChunksIncludingAnOddSizedOneWithItsPadByte() throws Exception {
        short[] pcm = ramp(1001);
        byte[] file = WavBytes.riff()
                .chunk("bext", new byte[3])
                .fmt(WavBytes.PCM, 1, 16_000, 16)
                .chunk("LIST", "INFOISFT\u0005\0\0\0Tool\0".getBytes(StandardCharsets.ISO_8859_1))
                .chunk("fact", new byte[] {(byte) 0xE9, 3, 0, 0})
                .data(WavBytes.s16le(pcm))
                .chunk("LIST", new byte[1000])
                .build();

        Decoded d = TestAudio.decode(new WavReader(), file);

        assertArrayEquals(pcm, d.samples());
    }

    @Test
    void dataSizeUnknownReadsToTheEndOfTheFile() throws Exception {
        short[] pcm = ramp(500);
        for (long declared : new long[] {0, 0xFFFF_FFFFL}) {
            byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16)
                    .chunk("data", declared, WavBytes.s16le(pcm)).build();

            assertArrayEquals(pcm, TestAudio.decode(new WavReader(), file).samples(), "declared " + declared);
        }
    }

    @Test
    void declaredDataSizeIsHonouredAndWhatFollowsIsNotAudio() throws Exception {
        short[] pcm = ramp(100);
        byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16)
                .chunk("data", 100, WavBytes.s16le(pcm)).build();

        assertArrayEquals(Arrays.copyOf(pcm, 50), TestAudio.decode(new WavReader(), file).samples());
    }

    @Test
    void rf64TakesTheDataSizeFromItsDs64Chunk() throws Exception {
        short[] pcm = ramp(300);
        byte[] ds64 = new byte[28];
        WavBytes.put32(ds64, 8, 400);
        byte[] file = WavBytes.riff().magic("RF64").chunk("ds64", ds64).fmt(WavBytes.PCM, 1, 16_000, 16)
                .chunk("data", 0xFFFF_FFFFL, WavBytes.s16le(pcm)).build();

        assertArrayEquals(Arrays.copyOf(pcm, 200), TestAudio.decode(new WavReader(), file).samples());
    }

    // Sample formats.

    @Test
    void eightBitSamplesAreUnsignedAroundOneHundredTwentyEight() throws Exception {
        byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 8)
                .data(new byte[] {0, (byte) 128, (byte) 255, 1}).build();

        assertArrayEquals(new short[] {-32768, 0, 32512, -32512}, TestAudio.decode(new WavReader(), file).samples());
    }

    @Test
    void twentyFourBitSamplesAreSignExtended() throws Exception {
        byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 24)
                .data(new byte[] {0, 0, (byte) 0x80, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 1, 0, 0, (byte) 0xFF,
                        (byte) 0xFF})
                .build();

        assertArrayEquals(new short[] {-32768, 32767, 1, -1},
                TestAudio.decode(new WavReader(), file).samples());
    }

    @Test
    void extensibleFloatAndWideContainersDecodeExactly() throws Exception {
        short[] pcm = ramp(400);
        byte[] f32 = new byte[pcm.length * 4];
        byte[] f64 = new byte[pcm.length * 8];
        byte[] s32 = new byte[pcm.length * 4];
        for (int i = 0; i < pcm.length; i++) {
            WavBytes.put32(f32, 4 * i, Float.floatToIntBits(pcm[i] / 32768f));
            long bits = Double.doubleToLongBits(pcm[i] / 32768.0);
            WavBytes.put32(f64, 8 * i, (int) bits);
            WavBytes.put32(f64, 8 * i + 4, (int) (bits >>> 32));
            // 24 valid bits in a 32-bit container: left-justified, the low byte zero.
            WavBytes.put32(s32, 4 * i, pcm[i] << 16);
        }

        Decoded extFloat = TestAudio.decode(new WavReader(),
                WavBytes.riff().extensible(WavBytes.FLOAT, 1, 16_000, 32, 32).data(f32).build());
        Decoded plainDouble = TestAudio.decode(new WavReader(),
                WavBytes.riff().fmt(WavBytes.FLOAT, 1, 16_000, 64).data(f64).build());
        Decoded ext24in32 = TestAudio.decode(new WavReader(),
                WavBytes.riff().extensible(WavBytes.PCM, 1, 16_000, 32, 24).data(s32).build());

        assertArrayEquals(pcm, extFloat.samples());
        assertEquals("pcm_f32le", extFloat.info().codec());
        assertArrayEquals(pcm, plainDouble.samples());
        assertEquals("pcm_f64le", plainDouble.info().codec());
        assertArrayEquals(pcm, ext24in32.samples());
        assertEquals("pcm_s32le", ext24in32.info().codec());
    }

    @Test
    void floatSamplesOutOfRangeAreClippedAndNanIsSilence() throws Exception {
        float[] values = {2f, -3f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.5f};
        byte[] data = new byte[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            WavBytes.put32(data, 4 * i, Float.floatToIntBits(values[i]));
        }

        byte[] file = WavBytes.riff().fmt(WavBytes.FLOAT, 1, 16_000, 32).data(data).build();

        assertArrayEquals(new short[] {32767, -32768, 0, 32767, -32768, 16384},
                TestAudio.decode(new WavReader(), file).samples());
    }

    @Test
    void stereoIsAveragedToMono() throws Exception {
        byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 2, 16_000, 16)
                .data(WavBytes.s16le((short) 1000, (short) 3000, (short) -32768, (short) -32768)).build();

        Decoded d = TestAudio.decode(new WavReader(), file);

        assertArrayEquals(new short[] {2000, -32768}, d.samples());
        assertEquals(2, d.info().channels());
    }

    // Unsupported.

    @Test
    void ninetySixKilohertzIsUnsupportedAndTheMessageListsTheRates() {
        AudioFileException e = fails(Problem.UNSUPPORTED,
                WavBytes.riff().fmt(WavBytes.PCM, 1, 96_000, 16).data(new byte[4]).build());

        assertTrue(e.getMessage().contains("96000 Hz"), e.getMessage());
        assertTrue(e.getMessage().contains("8000, 16000, 22050, 24000, 32000, 44100 and 48000 Hz"), e.getMessage());
    }

    @Test
    void moreThanTwoChannelsAreUnsupported() {
        AudioFileException e = fails(Problem.UNSUPPORTED,
                WavBytes.riff().fmt(WavBytes.PCM, 3, 16_000, 16).data(new byte[6]).build());

        assertTrue(e.getMessage().contains("3 channels"), e.getMessage());
        fails(Problem.UNSUPPORTED, WavBytes.riff().extensible(WavBytes.PCM, 6, 48_000, 24, 24).data(new byte[18])
                .build());
    }

    @Test
    void compressedAndOddSizedFormatsAreUnsupported() {
        byte[] adpcm = WavBytes.riff().fmt(2, 1, 16_000, 4, 256, 8000).data(new byte[256]).build();
        assertTrue(fails(Problem.UNSUPPORTED, adpcm).getMessage().contains("ADPCM"));
        fails(Problem.UNSUPPORTED, WavBytes.riff().fmt(7, 1, 8_000, 8).data(new byte[8]).build());
        fails(Problem.UNSUPPORTED, WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 12).data(new byte[8]).build());
        fails(Problem.UNSUPPORTED, WavBytes.riff().fmt(WavBytes.FLOAT, 1, 16_000, 16).data(new byte[8]).build());
        fails(Problem.UNSUPPORTED, WavBytes.riff().extensible(2, 1, 16_000, 16, 16).data(new byte[8]).build());
    }

    @Test
    void extensibleWithAnUnknownSubFormatGuidIsUnsupported() {
        byte[] file = WavBytes.riff().extensible(WavBytes.PCM, 1, 16_000, 16, 16).data(new byte[8]).build();
        file[12 + 8 + 30] ^= 1;

        fails(Problem.UNSUPPORTED, file);
    }

    @Test
    void bigEndianAndNonWaveRiffFilesAreUnsupported() {
        fails(Problem.UNSUPPORTED, WavBytes.riff().magic("RIFX").fmt(WavBytes.PCM, 1, 16_000, 16).build());
        AudioFileException avi = fails(Problem.UNSUPPORTED, WavBytes.riff().form("AVI ").build());
        assertTrue(avi.getMessage().contains("'AVI'"), avi.getMessage());
    }

    // Corrupt.

    @Test
    void aFileThatIsNotRiffIsCorrupt() {
        AudioFileException e = fails(Problem.CORRUPT, "OggS and more bytes".getBytes());

        assertEquals(0, e.offset().getAsLong());
        fails(Problem.CORRUPT, WavBytes.riff().form("WA\0E").build());
    }

    @Test
    void inconsistentBlockAlignOrByteRateIsCorrupt() {
        fails(Problem.CORRUPT, WavBytes.riff().fmt(WavBytes.PCM, 2, 16_000, 16, 2, 64_000).data(new byte[8]).build());
        fails(Problem.CORRUPT, WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16, 2, 44_100).data(new byte[8]).build());
        fails(Problem.CORRUPT, WavBytes.riff().fmt(WavBytes.PCM, 0, 16_000, 16, 0, 0).data(new byte[8]).build());
        fails(Problem.CORRUPT, WavBytes.riff().extensible(WavBytes.PCM, 1, 16_000, 16, 24).data(new byte[8]).build());
    }

    @Test
    void misplacedOrMalformedChunksAreCorrupt() {
        fails(Problem.CORRUPT, WavBytes.riff().data(new byte[8]).fmt(WavBytes.PCM, 1, 16_000, 16).build());
        fails(Problem.CORRUPT, WavBytes.riff().chunk("fmt ", new byte[14]).data(new byte[8]).build());
        fails(Problem.CORRUPT, WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16).fmt(WavBytes.PCM, 1, 16_000, 16)
                .data(new byte[8]).build());
        fails(Problem.CORRUPT, WavBytes.riff().magic("RF64").fmt(WavBytes.PCM, 1, 16_000, 16).build());
    }

    // Truncated.

    @Test
    void anEmptyFileOrOneEndingInItsHeadersIsTruncated() {
        byte[] file = WavBytes.riff().chunk("LIST", new byte[30]).fmt(WavBytes.PCM, 1, 16_000, 16)
                .data(new byte[64]).build();
        int dataChunk = file.length - 64 - 8;
        for (int length : new int[] {0, 3, 4, 11, 12, 19, 30, 52, 53, 59, 60, dataChunk, dataChunk + 7}) {
            AudioFileException e = fails(Problem.TRUNCATED, Arrays.copyOf(file, length));
            assertTrue(e.offset().getAsLong() <= length, "offset within the file");
        }
    }

    @Test
    void dataEndingBeforeItsDeclaredSizeIsTruncatedAtTheEndOfTheFile() {
        byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16).chunk("data", 1000, new byte[600]).build();

        AudioFileException e = fails(Problem.TRUNCATED, file);

        assertEquals(file.length, e.offset().getAsLong());
        assertTrue(e.getMessage().contains("600 of the 1000 bytes"), e.getMessage());
    }

    @Test
    void aPartialSampleFrameAtTheEndIsTruncated() {
        byte[] stereo24 = WavBytes.riff().fmt(WavBytes.PCM, 2, 48_000, 24).chunk("data", 0, new byte[6 * 10 + 4])
                .build();
        AudioFileException e = fails(Problem.TRUNCATED, stereo24);
        assertEquals(stereo24.length - 4, e.offset().getAsLong());

        fails(Problem.TRUNCATED, WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16).chunk("data", 7, new byte[7])
                .build());
    }

    @Test
    void aHugeDeclaredChunkSizeCostsNoMemoryAndIsTruncated() {
        byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16).chunk("LIST", 0xFFFF_FFF0L, new byte[10])
                .build();

        fails(Problem.TRUNCATED, file);
        fails(Problem.TRUNCATED, WavBytes.riff().chunk("fmt ", 0xFFFF_FFF0L, new byte[40]).build());
    }

    @Test
    void audioBeforeAProblemReachesTheSink() {
        short[] pcm = ramp(200);
        byte[] file = WavBytes.riff().fmt(WavBytes.PCM, 1, 16_000, 16).chunk("data", 1000, WavBytes.s16le(pcm))
                .build();
        TestAudio.Collector sink = new TestAudio.Collector();

        assertThrows(AudioFileException.class, () -> new WavReader().read(new ByteArrayInputStream(file), sink));
        assertArrayEquals(pcm, sink.samples());
    }

    private static AudioFileException fails(Problem problem, byte[] file) {
        AudioFileException e = assertThrows(AudioFileException.class,
                () -> new WavReader().read(new ByteArrayInputStream(file), PcmSink.DISCARD));
        assertEquals(problem, e.problem(), e.getMessage());
        return e;
    }

    private static short[] decode(String fixture) throws Exception {
        return TestAudio.decode(new WavReader(), TestAudio.resource("wav/" + fixture)).samples();
    }

    /** A recognisable signal: a ramp through the whole 16-bit range. */
    static short[] ramp(int n) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) {
            s[i] = (short) (i * 65_537 / n - 32_768);
        }
        return s;
    }

    /** A stream that hands out at most one byte per read, as a slow network would. */
    static final class OneByteAtATime extends FilterInputStream {

        OneByteAtATime(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1));
        }
    }
}
