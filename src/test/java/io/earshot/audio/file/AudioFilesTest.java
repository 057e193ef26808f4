package io.earshot.audio.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException.Problem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Content-Type to reader, parameters included, and recognising WAV, Ogg and WebM by their first bytes. */
class AudioFilesTest {

    private static final short[] REFERENCE = TestAudio.jdkMono("wav/0880-1s-16k-mono-s16.wav");

    @ParameterizedTest
    @ValueSource(strings = {"audio/wav", "audio/wave", "audio/x-wav", "audio/vnd.wave", "AUDIO/WAV",
            " audio/x-wav ; name=\"take 1.wav\"", "audio/wav; codecs=1"})
    void wavTypes(String type) throws Exception {
        assertInstanceOf(WavReader.class, AudioFiles.forMediaType(type));
    }

    @ParameterizedTest
    @ValueSource(strings = {"audio/ogg", "audio/opus", "audio/ogg; codecs=opus", "Audio/Ogg;Codecs=\"Opus\"",
            "audio/ogg ;codecs = opus"})
    void oggTypes(String type) throws Exception {
        assertInstanceOf(OggOpusReader.class, AudioFiles.forMediaType(type));
    }

    @ParameterizedTest
    @ValueSource(strings = {"audio/webm", "video/webm", "audio/webm;codecs=opus", "Audio/WebM; Codecs=\"OPUS\"",
            "video/webm; codecs=opus", "video/webm; codecs=\"vp8, opus\"", "video/webm;codecs=vp9,opus",
            "video/x-matroska;codecs=avc1,opus", "audio/x-matroska"})
    void webmTypes(String type) throws Exception {
        assertInstanceOf(WebmOpusReader.class, AudioFiles.forMediaType(type));
    }

    @Test
    void l16TakesRateAndChannelsFromItsParameters() throws Exception {
        byte[] l16 = TestAudio.resource("wav/0880-1s-16k-mono.l16");

        assertArrayEquals(REFERENCE, TestAudio.decode(AudioFiles.forMediaType("audio/L16; rate=16000"), l16)
                .samples());
        AudioFileInfo stereo = TestAudio.decode(AudioFiles.forMediaType("audio/l16;RATE=\"8000\"; channels=2"), l16)
                .info();
        assertEquals(new AudioFileInfo("raw", "pcm_s16be", 8_000, 2, 1_000_000, 16_000), stereo);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"application/octet-stream", "  ", "Application/Octet-Stream; name=x"})
    void unknownTypesAreSniffed(String type) throws Exception {
        AudioFileReader reader = AudioFiles.forMediaType(type);

        assertArrayEquals(REFERENCE, TestAudio.decode(reader, TestAudio.resource("wav/0880-1s-16k-mono-s16.wav"))
                .samples());
        byte[] opus = TestAudio.resource("opus/0930-24k-mono-2.5ms.opus");
        assertArrayEquals(TestAudio.decode(new OggOpusReader(), opus).samples(),
                TestAudio.decode(reader, opus).samples());
        byte[] webm = TestAudio.resource("opus/0880-chromium-mediarecorder.webm");
        assertArrayEquals(TestAudio.decode(new WebmOpusReader(), webm).samples(),
                TestAudio.decode(reader, webm).samples());
    }

    @Test
    void sniffingNamesFormatsItDoesNotTake() throws Exception {
        AudioFileReader reader = AudioFiles.forMediaType(null);

        assertTrue(sniffFails(reader, "fLaC\0\0\0\"").getMessage().contains("FLAC"));
        assertTrue(sniffFails(reader, "ID3\u0004\0\0").getMessage().contains("MP3"));
        assertTrue(sniffFails(reader, "hello world").getMessage().contains("not recognised"));
        assertTrue(sniffFails(reader, "RI").getMessage().contains("not recognised"));
        AudioFileException empty = assertThrows(AudioFileException.class,
                () -> reader.read(new ByteArrayInputStream(new byte[0]), PcmSink.DISCARD));
        assertEquals(Problem.TRUNCATED, empty.problem());
        // The EBML magic number goes to the WebM reader, which finds the header cut short.
        AudioFileException webm = assertThrows(AudioFileException.class, () -> reader.read(
                new ByteArrayInputStream("\u001aE\u00df\u00a3\u0001\0".getBytes(StandardCharsets.ISO_8859_1)),
                PcmSink.DISCARD));
        assertEquals(Problem.TRUNCATED, webm.problem());
    }

    @Test
    void unknownTypesAreRefusedWithTheAcceptedOnesListed() {
        AudioFileException e = refused("audio/mpeg");

        assertTrue(e.getMessage().contains("audio/mpeg"), e.getMessage());
        assertTrue(e.getMessage().contains("audio/wav"), e.getMessage());
        assertTrue(e.getMessage().contains("audio/L16"), e.getMessage());
        refused("text/plain");
        refused("audio/mp4; codecs=opus");
    }

    @Test
    void oggWithAnotherCodecIsRefused() {
        assertTrue(refused("audio/ogg; codecs=vorbis").getMessage().contains("vorbis"));
        refused("audio/ogg; codecs=\"opus, vorbis\"");
    }

    @Test
    void webmWithoutOpusIsRefused() {
        assertTrue(refused("audio/webm; codecs=vorbis").getMessage().contains("vorbis"));
        refused("video/webm; codecs=\"vp8, vorbis\"");
        refused("video/webm; codecs=\"vp8\"");
    }

    @Test
    void l16NeedsAValidRate() {
        assertTrue(refused("audio/L16").getMessage().contains("rate parameter"));
        assertTrue(refused("audio/L16; rate=abc").getMessage().contains("\"abc\""));
        refused("audio/L16; rate=16000; channels=two");
        refused("audio/L16; rate=96000");
        refused("audio/L16; rate=16000; channels=6");
        refused("audio/L16; rate=");
    }

    @Test
    void malformedContentTypesAreRefused() {
        refused("audio");
        refused("audio/");
        refused("/wav");
        refused("audio/wav extra");
        refused("audio/L16; rate=\"16000");
        refused("audio/L16; rate=\"16000\" junk");
        refused("audio/wav; =x");
        refused("audio/wav; novalue");
    }

    private static AudioFileException refused(String type) {
        AudioFileException e = assertThrows(AudioFileException.class, () -> AudioFiles.forMediaType(type));
        assertEquals(Problem.UNSUPPORTED, e.problem(), type);
        return e;
    }

    private static AudioFileException sniffFails(AudioFileReader reader, String content) {
        AudioFileException e = assertThrows(AudioFileException.class, () -> reader.read(
                new ByteArrayInputStream(content.getBytes(StandardCharsets.ISO_8859_1)), PcmSink.DISCARD));
        assertEquals(Problem.UNSUPPORTED, e.problem());
        return e;
    }
}
