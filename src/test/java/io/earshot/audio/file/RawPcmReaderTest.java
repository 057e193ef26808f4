package io.earshot.audio.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException.Problem;
import io.earshot.audio.file.TestAudio.Decoded;
import java.io.ByteArrayInputStream;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Headerless 16-bit PCM: byte order, rate and channels from outside, whole frames required. The fixtures hold
 * the same samples as their WAV counterparts, so they must decode identically.
 */
class RawPcmReaderTest {

    @Test
    void bigEndianL16FixtureIsTheReferenceBitForBit() throws Exception {
        Decoded d = TestAudio.decode(new RawPcmReader(16_000, 1, ByteOrder.BIG_ENDIAN),
                TestAudio.resource("wav/0880-1s-16k-mono.l16"));

        assertArrayEquals(TestAudio.jdkMono("wav/0880-1s-16k-mono-s16.wav"), d.samples());
        assertEquals(new AudioFileInfo("raw", "pcm_s16be", 16_000, 1, 1_000_000, 16_000), d.info());
    }

    @Test
    void littleEndianStereoFixtureDecodesLikeItsWav() throws Exception {
        Decoded raw = TestAudio.decode(new RawPcmReader(44_100, 2, ByteOrder.LITTLE_ENDIAN),
                TestAudio.resource("wav/0880-1s-44k1-stereo.s16le"));
        Decoded wav = TestAudio.decode(new WavReader(), TestAudio.resource("wav/0880-1s-44k1-stereo-s16.wav"));

        assertArrayEquals(wav.samples(), raw.samples());
        assertEquals(new AudioFileInfo("raw", "pcm_s16le", 44_100, 2, 1_000_000, 16_000), raw.info());
    }

    @Test
    void byteOrderIsHonoured() throws Exception {
        byte[] data = {0x12, 0x34, (byte) 0xFF, (byte) 0xFE};

        assertArrayEquals(new short[] {0x1234, -2},
                TestAudio.decode(new RawPcmReader(16_000, 1, ByteOrder.BIG_ENDIAN), data).samples());
        assertArrayEquals(new short[] {0x3412, (short) 0xFEFF},
                TestAudio.decode(new RawPcmReader(16_000, 1, ByteOrder.LITTLE_ENDIAN), data).samples());
    }

    @Test
    void emptyInputIsNoAudio() throws Exception {
        Decoded d = TestAudio.decode(new RawPcmReader(48_000, 2, ByteOrder.BIG_ENDIAN), new byte[0]);

        assertEquals(0, d.samples().length);
        assertEquals(0, d.info().durationMicros());
    }

    @Test
    void aPartialFrameAtTheEndIsTruncated() throws Exception {
        AudioFileException odd = assertThrows(AudioFileException.class, () -> new RawPcmReader(16_000, 1,
                ByteOrder.BIG_ENDIAN).read(new ByteArrayInputStream(new byte[70_001]), PcmSink.DISCARD));
        AudioFileException halfFrame = assertThrows(AudioFileException.class, () -> new RawPcmReader(16_000, 2,
                ByteOrder.LITTLE_ENDIAN).read(new ByteArrayInputStream(new byte[6]), PcmSink.DISCARD));

        assertEquals(Problem.TRUNCATED, odd.problem());
        assertEquals(70_000, odd.offset().getAsLong());
        assertEquals(Problem.TRUNCATED, halfFrame.problem());
        assertEquals(4, halfFrame.offset().getAsLong());
    }

    @Test
    void unsupportedRatesAndChannelCountsAreRefused() {
        for (int[] format : new int[][] {{11_025, 1}, {96_000, 2}, {0, 1}, {16_000, 0}, {16_000, 3}}) {
            AudioFileException e = assertThrows(AudioFileException.class,
                    () -> new RawPcmReader(format[0], format[1], ByteOrder.BIG_ENDIAN));
            assertEquals(Problem.UNSUPPORTED, e.problem());
            assertTrue(e.offset().isEmpty());
        }
    }
}
