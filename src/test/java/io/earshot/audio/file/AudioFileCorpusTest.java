package io.earshot.audio.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.OggPages.Page;
import java.io.ByteArrayInputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A generated corpus of damaged files, thousands of them: the real WAV, libopus Ogg Opus and Chromium WebM fixtures cut short
 * at random offsets, with bits flipped, runs of bytes overwritten, bytes inserted or removed, and (for Ogg) the
 * same damage inside one page whose CRC is then recomputed, so that it reaches the Opus headers and the
 * decoder instead of stopping at the checksum. Every case must end in a completed decode or an
 * {@link AudioFileException} with a message fit for a client; anything else thrown fails the test. The seed
 * is fixed, so a failure names a case that can be replayed.
 *
 * <p>Each file goes through the reader its content type selects and through the sniffing reader used for
 * uploads of unknown type. The seeds are short (a tenth of a second of WAV, half a second of Opus) so that the
 * corpus runs in seconds: damage anywhere in a longer file is damage to the same structures.
 */
class AudioFileCorpusTest {

    private static final long SEED = 20_261_123L;
    private static final int CASES_PER_KIND = 1_500;

    private static final String[] WAV_FIXTURES = {"0880-1s-16k-mono-s16.wav", "0880-1s-16k-mono-u8.wav",
        "0880-1s-8k-mono-s16.wav", "0880-1s-44k1-stereo-s16.wav", "0880-1s-16k-mono-s24-wavpcm.wav",
        "0880-1s-48k-stereo-s24.wav", "0880-1s-32k-mono-s32.wav", "0880-1s-22k05-mono-f32.wav",
        "0880-1s-24k-stereo-f32.wav"};
    private static final String[] OPUS_FIXTURES = {"0880-16k-mono-20ms", "0930-48k-stereo-60ms",
        "0880-8k-mono-10ms", "0930-24k-mono-2.5ms", "0880-16k-mono-40ms-cvbr"};

    private final Random random = new Random(SEED);
    private final Map<AudioFileException.Problem, Integer> problems = new EnumMap<>(AudioFileException.Problem.class);
    private int decoded;
    private int cases;

    @Test
    void damagedWavFilesDecodeOrFailCleanly() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (String name : WAV_FIXTURES) {
            seeds.add(shortWav(TestAudio.resource("wav/" + name), 10));
        }
        for (int i = 0; i < CASES_PER_KIND; i++) {
            byte[] file = damage(seeds.get(random.nextInt(seeds.size())));
            check("wav case " + i, file, WavReader::new);
        }
        report("WAV");
        assertEquals(2 * CASES_PER_KIND, cases);
        assertTrue(decoded > 0 && problems.size() == 3, "every outcome occurs: " + problems + ", " + decoded);
    }

    @Test
    void damagedOggOpusFilesDecodeOrFailCleanly() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (String name : OPUS_FIXTURES) {
            seeds.add(shortOpus(TestAudio.resource("opus/" + name + ".opus"), 500));
        }
        for (int i = 0; i < CASES_PER_KIND; i++) {
            byte[] seed = seeds.get(random.nextInt(seeds.size()));
            byte[] file = i % 2 == 0 ? damage(seed) : damageOnePageKeepingItsCrc(seed);
            check("ogg case " + i, file, OggOpusReader::new);
        }
        report("Ogg Opus");
        assertEquals(2 * CASES_PER_KIND, cases);
        assertTrue(decoded > 0 && problems.size() == 3, "every outcome occurs: " + problems + ", " + decoded);
    }

    /**
     * The Chromium recording's first two Clusters (Segment and Clusters of unknown size) and a short file with
     * everything the recording lacks (known sizes, a video track, BlockGroups with DiscardPadding, every lacing).
     */
    @Test
    void damagedWebmFilesDecodeOrFailCleanly() throws Exception {
        byte[] recording = TestAudio.resource(WebmOpusReaderTest.RECORDING);
        byte[][] seeds = {Arrays.copyOf(recording, (int) WebmOpusReaderTest.of(WebmBytes.elements(recording),
                WebmBytes.CLUSTER).get(2).start()), WebmOpusReaderTest.everythingFile()};
        for (int i = 0; i < CASES_PER_KIND; i++) {
            check("webm case " + i, damage(seeds[i % 2]), WebmOpusReader::new);
        }
        report("WebM");
        assertEquals(2 * CASES_PER_KIND, cases);
        assertTrue(decoded > 0 && problems.size() == 3, "every outcome occurs: " + problems + ", " + decoded);
    }

    @Test
    void randomBytesBehindEachMagicNumberFailCleanly() throws Exception {
        String[] magics = {"RIFF", "RF64", "OggS", "fLaC", "ID3", "", "\u001aE\u00df\u00a3"};
        for (int i = 0; i < CASES_PER_KIND; i++) {
            byte[] magic = magics[i % magics.length].getBytes(StandardCharsets.ISO_8859_1);
            byte[] file = new byte[magic.length + random.nextInt(600)];
            random.nextBytes(file);
            System.arraycopy(magic, 0, file, 0, magic.length);
            if (magic.length == 4 && magic[0] == 'R' && file.length >= 12 && random.nextBoolean()) {
                System.arraycopy("WAVEfmt ".getBytes(StandardCharsets.ISO_8859_1), 0, file, 8,
                        Math.min(8, file.length - 8));
            }
            check("random case " + i, file, () -> new RawPcmReader(16_000, 2, ByteOrder.LITTLE_ENDIAN));
        }
        report("random");
        assertEquals(2 * CASES_PER_KIND, cases);
    }

    /** Decodes {@code file} with the given reader and with the sniffing one; both must end cleanly. */
    private void check(String name, byte[] file, ReaderFactory typed) throws Exception {
        for (AudioFileReader reader : List.of(typed.get(), AudioFiles.forMediaType(null))) {
            cases++;
            Counting sink = new Counting();
            try {
                AudioFileInfo info = reader.read(new ByteArrayInputStream(file), sink);
                assertEquals(sink.samples, info.outputSamples(), name);
                decoded++;
            } catch (AudioFileException e) {
                problems.merge(e.problem(), 1, Integer::sum);
                String message = e.getMessage();
                assertTrue(message != null && !message.isBlank(), name);
                assertFalse(message.contains("Exception") || message.contains("java."), name + ": " + message);
                e.offset().ifPresent(offset -> assertTrue(offset >= 0 && offset <= file.length, name + ": " + e));
            } catch (Throwable t) {
                fail(name + " (seed " + SEED + ") threw " + t, t);
            }
            // Damage never makes the output longer than the file could hold: at most 120 ms per three bytes
            // of Opus, at most one 16 kHz sample per 8-bit byte of 8 kHz PCM.
            assertTrue(sink.samples <= (long) file.length * 1920 / 3, name + ": " + sink.samples + " samples");
        }
    }

    private void report(String kind) {
        System.out.printf("%s corpus: %d cases, %d decoded, %s%n", kind, cases, decoded, problems);
    }

    /** One random kind of damage: a cut, flipped bits, overwritten bytes, or bytes inserted or removed. */
    private byte[] damage(byte[] seed) {
        byte[] b = seed.clone();
        switch (random.nextInt(5)) {
            case 0 -> b = Arrays.copyOf(b, random.nextInt(b.length));
            case 1 -> {
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    int bit = random.nextInt(b.length * 8);
                    b[bit / 8] ^= (byte) (1 << bit % 8);
                }
            }
            case 2 -> {
                int at = random.nextInt(b.length);
                byte[] run = new byte[Math.min(1 + random.nextInt(64), b.length - at)];
                random.nextBytes(run);
                System.arraycopy(run, 0, b, at, run.length);
            }
            case 3 -> {
                int at = random.nextInt(b.length + 1);
                byte[] run = new byte[1 + random.nextInt(16)];
                random.nextBytes(run);
                byte[] out = new byte[b.length + run.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(run, 0, out, at, run.length);
                System.arraycopy(b, at, out, at + run.length, b.length - at);
                b = out;
            }
            default -> {
                int at = random.nextInt(b.length);
                int n = Math.min(1 + random.nextInt(16), b.length - at);
                byte[] out = new byte[b.length - n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + n, out, at, b.length - at - n);
                b = out;
            }
        }
        return b;
    }

    /**
     * Damages the bytes of one page (never its capture pattern, lacing count or CRC field) and recomputes the
     * CRC, so the page passes the container's checks and the damage reaches the Opus headers or packets.
     */
    private byte[] damageOnePageKeepingItsCrc(byte[] seed) {
        List<Page> pages = new ArrayList<>(OggPages.pages(seed));
        int index = random.nextInt(pages.size());
        byte[] page = pages.get(index).bytes().clone();
        int segments = page[26] & 0xff;
        for (int n = 1 + random.nextInt(6); n > 0; n--) {
            int at = random.nextInt(page.length - 5) + 4;
            if (at >= 22 && at < 27 || at >= 27 && at < 27 + segments && random.nextInt(4) != 0) {
                continue;
            }
            page[at] = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : (byte) (page[at] ^ 1 << random.nextInt(8));
        }
        OggPages.fixCrc(page);
        pages.set(index, new Page(page));
        return OggPages.concat(pages);
    }

    /** The fixture with its data chunk cut to its first {@code millis} milliseconds and the sizes fixed. */
    private static byte[] shortWav(byte[] wav, int millis) {
        int p = 12;
        while (!new String(wav, p, 4, StandardCharsets.ISO_8859_1).equals("data")) {
            p += 8 + OggPages.le32(wav, p + 4);
        }
        int byteRate = OggPages.le32(wav, 28);
        int blockAlign = (wav[32] & 0xff) | (wav[33] & 0xff) << 8;
        int length = byteRate * millis / 1000 / blockAlign * blockAlign;
        byte[] b = Arrays.copyOf(wav, p + 8 + length);
        WavBytes.put32(b, p + 4, length);
        WavBytes.put32(b, 4, b.length - 8);
        return b;
    }

    /** The fixture's headers and its first {@code millis} milliseconds of packets, with an end-of-stream page. */
    private static byte[] shortOpus(byte[] ogg, int millis) {
        Page first = OggPages.pages(ogg).get(0);
        List<byte[]> packets = OggPages.packets(ogg, first.serial());
        List<byte[]> audio = new ArrayList<>();
        long samples = 0;
        for (byte[] packet : packets.subList(2, packets.size())) {
            if (samples >= millis * 48L) {
                break;
            }
            audio.add(packet);
            samples += io.github.jaredmdobson.concentus.OpusPacketInfo.getNumSamples(packet, 0, packet.length,
                    48_000);
        }
        return OggPages.opusFile(first.serial(), packets.get(0), packets.get(1), audio, 10, 255, samples);
    }

    private interface ReaderFactory {
        AudioFileReader get() throws AudioFileException;
    }

    private static final class Counting implements PcmSink {
        long samples;

        @Override
        public void accept(short[] data, int offset, int count) {
            samples += count;
        }
    }
}
