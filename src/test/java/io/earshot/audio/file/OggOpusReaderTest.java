package io.earshot.audio.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException.Problem;
import io.earshot.audio.file.OggPages.Page;
import io.earshot.audio.file.TestAudio.Aligned;
import io.earshot.audio.file.TestAudio.Decoded;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ogg Opus decoding against libopus' own 16 kHz decodes of the fixtures, then the container's and the Opus
 * mapping's rules on streams built here from the fixtures' packets.
 *
 * <p>The reader decodes at 48 kHz and band-limits to 16 kHz (see {@link OggOpusReader} for why), where the
 * fixtures' references come from libopus created at 16 kHz. For CELT packets the two agree closely (66 to
 * 67 dB measured; Concentus is a fixed-point port, the reference libopus is floating-point). SILK packets are
 * upsampled to 48 kHz inside the codec by an IIR resampler whose phase differs from the 16 kHz path, so libopus
 * itself, decoding at 48 kHz, differs from its 16 kHz decode by a fraction of a sample and a little phase: after
 * the best sub-sample alignment, 24.2 dB for wideband SILK and hybrid, 44.7 dB for narrowband SILK (measured
 * against libopus' 48 kHz decode, the reader matches to within 100 dB). What must hold for every fixture is the
 * exact sample count, which proves pre-skip and end trimming, and a decode as close to the original recording
 * as libopus' own (within 1 dB of its SNR).
 */
class OggOpusReaderTest {

    private static final String BASE = "0880-16k-mono-20ms";

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // fixture, input rate, channels, end granule, aligned SNR vs libopus in dB, CELT only
            "0880-16k-mono-20ms,      16000, 1, 143832, 21, false",
            "0930-48k-stereo-60ms,    48000, 2, 158232, 60, true",
            "0880-8k-mono-10ms,        8000, 1, 143832, 40, false",
            "0930-24k-mono-2.5ms,     24000, 1, 158232, 60, true",
            "0880-16k-mono-40ms-cvbr, 16000, 1, 143832, 21, false",
    })
    void fixtureMatchesLibopusAndTheOriginal(String name, int inputRate, int channels, long endGranule,
            double minSnr, boolean celtOnly) throws Exception {
        Decoded d = TestAudio.decode(new OggOpusReader(), TestAudio.resource("opus/" + name + ".opus"));
        short[] libopus = TestAudio.jdkMono("opus/" + name + ".libopus16k.wav");
        short[] original = TestAudio.jdkMono("librivox/sense_and_sensibility_01_austen_64kb-" + name.substring(0, 4)
                + ".wav");

        assertEquals(libopus.length, d.samples().length, "sample count");
        assertEquals(new AudioFileInfo("ogg_opus", "opus", inputRate, channels, (endGranule - 312) * 1_000 / 48,
                libopus.length), d.info());
        Aligned vsLibopus = TestAudio.alignedSnr(libopus, d.samples(), 2);
        assertTrue(vsLibopus.snr() >= minSnr && Math.abs(vsLibopus.delay()) <= 1, name + ": " + vsLibopus);
        if (celtOnly) {
            double direct = TestAudio.snr(libopus, d.samples());
            assertTrue(direct >= 60, name + ": SNR " + direct);
        }
        double ours = TestAudio.alignedSnr(original, d.samples(), 2).snr();
        double theirs = TestAudio.alignedSnr(original, libopus, 2).snr();
        assertTrue(ours >= theirs - 1, name + ": " + ours + " dB against the original, libopus " + theirs);
    }

    @Test
    void hybridPacketsAreNotSilent() throws Exception {
        // Concentus created at 16 kHz decodes this file's Hybrid-SWB packets to exact zeros.
        short[] ours = TestAudio.decode(new OggOpusReader(), fixture(BASE)).samples();
        short[] libopus = TestAudio.jdkMono("opus/" + BASE + ".libopus16k.wav");

        assertEquals(rms(libopus), rms(ours), rms(libopus) * 0.05);
    }

    // Paging.

    @Test
    void packetsSpanningPagesAndALongCommentHeaderDecodeAsTheOriginal() throws Exception {
        byte[] original = fixture("0930-48k-stereo-60ms");
        List<byte[]> packets = OggPages.packets(original, 2);
        // One lacing value per page: every 60 ms packet (about 480 bytes) spans pages, so most pages complete no
        // packet and carry granule position -1; the 300 kB comment header spans over a thousand pages.
        byte[] repaged = OggPages.opusFile(9, packets.get(0), OggPages.opusTags(300_000),
                packets.subList(2, packets.size()), 1000, 1, 158_232);

        assertTrue(OggPages.pages(repaged).stream().filter(p -> p.granule() == -1).count() > 50);
        assertArrayEquals(decode(original).samples(), decode(repaged).samples());
    }

    @Test
    void endTrimmingCutsToTheLastGranulePosition() throws Exception {
        List<byte[]> packets = OggPages.packets(fixture(BASE), 1);
        List<byte[]> audio = packets.subList(2, 12);
        short[] untrimmed = decode(OggPages.opusFile(1, packets.get(0), packets.get(1), audio, 4, 255, -1))
                .samples();

        for (long end : new long[] {312, 313, 1000, 9000, 9600}) {
            Decoded d = decode(OggPages.opusFile(1, packets.get(0), packets.get(1), audio, 10, 255, end));
            long expected = ((end - 312) + 2) / 3;
            assertEquals(expected, d.samples().length, "end granule " + end);
            assertEquals((end - 312) * 1_000 / 48, d.info().durationMicros());
        }
        // Ten 20 ms packets less the pre-skip.
        assertEquals((9600 - 312) / 3, untrimmed.length);
    }

    @Test
    void anEndGranuleReachingBackIntoEarlierPagesIsCorrupt() {
        List<byte[]> packets = OggPages.packets(fixture(BASE), 1);
        // Four packets (3840 samples) on the page before the last: the stream cannot end at 3000.
        byte[] file = OggPages.opusFile(1, packets.get(0), packets.get(1), packets.subList(2, 12), 4, 255, 3000);

        assertTrue(fails(Problem.CORRUPT, file).getMessage().contains("granule position 3000"));
        fails(Problem.CORRUPT, OggPages.opusFile(1, packets.get(0), packets.get(1), packets.subList(2, 5), 5, 255,
                311));
    }

    @Test
    void aFileStoppingAtAPageBoundaryWithoutEndOfStreamIsDecodedToItsEnd() throws Exception {
        byte[] file = fixture(BASE);
        List<Page> pages = OggPages.pages(file);
        short[] full = decode(file).samples();

        byte[] withoutLastPage = OggPages.concat(pages.subList(0, pages.size() - 1));
        short[] cut = decode(withoutLastPage).samples();
        assertEquals((96_000 - 312) / 3, cut.length);
        assertTrue(TestAudio.snr(Arrays.copyOf(full, cut.length - 100), cut) > 60);

        byte[] lastPage = pages.get(pages.size() - 1).bytes().clone();
        lastPage[5] &= ~OggPages.EOS;
        OggPages.fixCrc(lastPage);
        byte[] eosCleared = OggPages.concat(replace(pages, pages.size() - 1, lastPage));
        // Untrimmed: all 150 packets of 20 ms.
        assertEquals((150 * 960 - 312) / 3, decode(eosCleared).samples().length);
    }

    @Test
    void aFileStoppingInsideAPageIsTruncated() {
        byte[] file = fixture(BASE);
        List<Page> pages = OggPages.pages(file);
        int lastStart = file.length - pages.get(pages.size() - 1).bytes().length;

        for (int length : new int[] {lastStart + 1, lastStart + 26, lastStart + 30, file.length - 1}) {
            AudioFileException e = fails(Problem.TRUNCATED, Arrays.copyOf(file, length));
            assertEquals("The file ends inside Ogg page 5, which starts at byte " + lastStart + ".", e.getMessage());
            assertEquals(length, e.offset().getAsLong());
        }
    }

    @Test
    void aCrcMismatchIsCorruptAndNamesThePage() {
        byte[] file = fixture(BASE);
        List<Page> pages = OggPages.pages(file);
        int third = pages.get(0).bytes().length + pages.get(1).bytes().length;
        file[third + 500] ^= 0x10;

        AudioFileException e = fails(Problem.CORRUPT, file);

        assertEquals("Ogg page 3 at byte " + third + " fails its CRC check.", e.getMessage());
        assertEquals(third, e.offset().getAsLong());
    }

    @Test
    void pagesOfOtherLogicalStreamsAreSkipped() throws Exception {
        byte[] file = fixture(BASE);
        OggPages.Stream other = new OggPages.Stream(77, 255);
        other.packet("fishead\0 skeleton".getBytes(), 0).page(0);
        for (int i = 0; i < 4; i++) {
            other.packet(new byte[300 + i], i).page(i == 3 ? OggPages.EOS : 0);
        }
        List<Page> opus = OggPages.pages(file);
        List<Page> mixed = new ArrayList<>();
        mixed.add(other.pages().get(0));
        for (int i = 0; i < opus.size(); i++) {
            mixed.add(opus.get(i));
            if (i >= 1 && i - 1 < 4) {
                mixed.add(other.pages().get(i));
            }
        }

        assertArrayEquals(decode(file).samples(), decode(OggPages.concat(mixed)).samples());
    }

    @Test
    void whateverFollowsTheEndOfTheStreamIsIgnoredUnlessItIsAChainedStream() throws Exception {
        byte[] file = fixture(BASE);
        ByteArrayOutputStream junk = new ByteArrayOutputStream();
        junk.writeBytes(file);
        junk.writeBytes("TAG and then some trailing bytes".getBytes());
        assertArrayEquals(decode(file).samples(), decode(junk.toByteArray()).samples());

        ByteArrayOutputStream chained = new ByteArrayOutputStream();
        chained.writeBytes(file);
        chained.writeBytes(fixture("0930-24k-mono-2.5ms"));
        assertTrue(fails(Problem.UNSUPPORTED, chained.toByteArray()).getMessage().contains("Chained"));
    }

    @Test
    void missingDuplicatedOrReorderedPagesAreCorrupt() {
        List<Page> pages = OggPages.pages(fixture(BASE));
        List<Page> missing = new ArrayList<>(pages);
        missing.remove(2);
        List<Page> duplicated = new ArrayList<>(pages);
        duplicated.add(3, pages.get(2));
        List<Page> swapped = new ArrayList<>(pages);
        swapped.set(2, pages.get(3));
        swapped.set(3, pages.get(2));

        assertTrue(fails(Problem.CORRUPT, OggPages.concat(missing)).getMessage().contains("out of order"));
        fails(Problem.CORRUPT, OggPages.concat(duplicated));
        fails(Problem.CORRUPT, OggPages.concat(swapped));
    }

    @Test
    void continuationFlagsMustMatchThePackets() {
        List<byte[]> packets = OggPages.packets(fixture("0930-48k-stereo-60ms"), 2);
        List<Page> pages = OggPages.pages(OggPages.opusFile(3, packets.get(0), OggPages.opusTags(10),
                packets.subList(2, 10), 1, 1, -1));
        // Page 4 continues the packet page 3 began; clear its flag, then set it on page 3.
        byte[] cleared = pages.get(3).bytes().clone();
        cleared[5] &= ~OggPages.CONTINUED;
        OggPages.fixCrc(cleared);
        byte[] set = pages.get(2).bytes().clone();
        set[5] |= OggPages.CONTINUED;
        OggPages.fixCrc(set);

        fails(Problem.CORRUPT, OggPages.concat(replace(pages, 3, cleared)));
        fails(Problem.CORRUPT, OggPages.concat(replace(pages, 2, set)));
    }

    // Header rules.

    @Test
    void aNonOpusStreamIsUnsupported() {
        OggPages.Stream vorbis = new OggPages.Stream(5, 255);
        vorbis.packet("\u0001vorbis\0\0\0\0\u0001\u0044\u00ac\0\0".getBytes(StandardCharsets.ISO_8859_1), 0)
                .page(0);
        vorbis.packet(new byte[40], 0).page(0);

        assertTrue(fails(Problem.UNSUPPORTED, OggPages.concat(vorbis.pages())).getMessage().contains("Vorbis"));
        assertTrue(fails(Problem.UNSUPPORTED, vorbis.pages().get(0).bytes()).getMessage().contains("Vorbis"));
    }

    @Test
    void channelMappingsOtherThanPlainMonoOrStereoAreUnsupported() throws Exception {
        List<byte[]> stereo = OggPages.packets(fixture("0930-48k-stereo-60ms"), 2);
        List<byte[]> audio = stereo.subList(2, 12);
        byte[] tags = stereo.get(1);
        short[] family0 = decode(OggPages.opusFile(1, OggPages.opusHead(1, 2, 312, 48_000, 0, 0), tags, audio, 5,
                255, -1)).samples();
        short[] family1 = decode(OggPages.opusFile(1, OggPages.opusHead(1, 2, 312, 48_000, 0, 1, 1, 1, 0, 1), tags,
                audio, 5, 255, -1)).samples();
        assertArrayEquals(family0, family1);

        assertTrue(headFails(Problem.UNSUPPORTED, OggPages.opusHead(1, 2, 312, 0, 0, 255)).getMessage()
                .contains("family 255"));
        assertTrue(headFails(Problem.UNSUPPORTED, OggPages.opusHead(1, 6, 312, 0, 0, 1, 4, 2, 0, 4, 1, 2, 3, 5))
                .getMessage().contains("6 channels"));
        headFails(Problem.UNSUPPORTED, OggPages.opusHead(1, 2, 312, 0, 0, 1, 1, 1, 1, 0));
        headFails(Problem.UNSUPPORTED, OggPages.opusHead(1, 2, 312, 0, 0, 1, 2, 0, 0, 1));
        headFails(Problem.UNSUPPORTED, OggPages.opusHead(0x10, 1, 312, 0, 0, 0));
        headFails(Problem.CORRUPT, OggPages.opusHead(1, 3, 312, 0, 0, 0));
        headFails(Problem.CORRUPT, OggPages.opusHead(1, 0, 312, 0, 0, 0));
        headFails(Problem.CORRUPT, OggPages.opusHead(1, 2, 312, 0, 0, 1, 1));
        headFails(Problem.CORRUPT, Arrays.copyOf(OggPages.opusHead(1, 1, 312, 0, 0, 0), 18));
    }

    @Test
    void theHeadersOutputGainIsApplied() throws Exception {
        List<byte[]> packets = OggPages.packets(fixture(BASE), 1);
        List<byte[]> audio = packets.subList(2, 80);

        double plain = rms(decode(OggPages.opusFile(1, OggPages.opusHead(1, 1, 312, 16_000, 0, 0), packets.get(1),
                audio, 10, 255, -1)).samples());
        // Q7.8 dB: 1541 / 256 = 6.02 dB, twice the amplitude; -1541 half.
        double louder = rms(decode(OggPages.opusFile(1, OggPages.opusHead(1, 1, 312, 16_000, 1541, 0),
                packets.get(1), audio, 10, 255, -1)).samples());
        double quieter = rms(decode(OggPages.opusFile(1, OggPages.opusHead(1, 1, 312, 16_000, -1541, 0),
                packets.get(1), audio, 10, 255, -1)).samples());

        assertEquals(2.0, louder / plain, 0.02);
        assertEquals(0.5, quieter / plain, 0.01);
    }

    @Test
    void headerOnlyFilesHoldNoAudioButMustBeComplete() throws Exception {
        List<byte[]> packets = OggPages.packets(fixture(BASE), 1);
        OggPages.Stream headers = new OggPages.Stream(1, 255);
        headers.packet(packets.get(0), 0).page(0).packet(packets.get(1), 0).page(0);

        Decoded d = decode(OggPages.concat(headers.pages()));

        assertEquals(0, d.samples().length);
        assertEquals(0, d.info().durationMicros());
        fails(Problem.TRUNCATED, headers.pages().get(0).bytes());
        fails(Problem.TRUNCATED, new byte[0]);
    }

    @Test
    void aSecondPacketOtherThanOpusTagsIsCorrupt() {
        List<byte[]> packets = OggPages.packets(fixture(BASE), 1);

        fails(Problem.CORRUPT, OggPages.opusFile(1, packets.get(0), "OpusTagz".getBytes(), packets.subList(2, 5), 5,
                255, -1));
    }

    @Test
    void undecodablePacketsAreCorruptAndNamed() {
        List<byte[]> packets = new ArrayList<>(OggPages.packets(fixture(BASE), 1));
        // Code 3 (a frame count byte follows) with a count of 0 frames; an empty packet; a packet too long.
        for (byte[] bad : new byte[][] {{0x03, 0x00}, {}, new byte[70_000]}) {
            List<byte[]> audio = new ArrayList<>(packets.subList(2, 30));
            audio.set(14, bad);
            byte[] file = OggPages.opusFile(1, packets.get(0), packets.get(1), audio, 10, 255, -1);
            int page4 = OggPages.pages(file).subList(0, 3).stream().mapToInt(p -> p.bytes().length).sum();

            AudioFileException e = fails(Problem.CORRUPT, file);

            if (bad.length < 100) {
                assertEquals("Opus packet 15 (Ogg page 4 at byte " + page4 + ") could not be decoded.",
                        e.getMessage());
            }
        }
    }

    @Test
    void notAnOggFileOrOneMissingItsFirstPageIsCorrupt() {
        assertTrue(fails(Problem.CORRUPT, TestAudio.resource("wav/0880-1s-8k-mono-s16.wav")).getMessage()
                .contains("not an Ogg file"));
        List<Page> pages = OggPages.pages(fixture(BASE));
        fails(Problem.CORRUPT, OggPages.concat(pages.subList(1, pages.size())));
        byte[] version = pages.get(0).bytes().clone();
        version[4] = 1;
        OggPages.fixCrc(version);
        fails(Problem.CORRUPT, version);
    }

    private static AudioFileException headFails(Problem problem, byte[] head) {
        List<byte[]> packets = OggPages.packets(fixture(BASE), 1);
        return fails(problem, OggPages.opusFile(1, head, packets.get(1), packets.subList(2, 5), 5, 255, -1));
    }

    private static AudioFileException fails(Problem problem, byte[] file) {
        AudioFileException e = assertThrows(AudioFileException.class,
                () -> new OggOpusReader().read(new ByteArrayInputStream(file), PcmSink.DISCARD));
        assertEquals(problem, e.problem(), e.getMessage());
        return e;
    }

    private static Decoded decode(byte[] file) throws Exception {
        return TestAudio.decode(new OggOpusReader(), file);
    }

    private static byte[] fixture(String name) {
        return TestAudio.resource("opus/" + name + ".opus");
    }

    private static List<Page> replace(List<Page> pages, int index, byte[] page) {
        List<Page> copy = new ArrayList<>(pages);
        copy.set(index, new Page(page));
        return copy;
    }

    private static double rms(short[] s) {
        double sum = 0;
        for (short v : s) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum / s.length);
    }
}
