package io.earshot.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.earshot.audio.file.OggOpusReader;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any bytes read as an Ogg Opus file: see {@link ReaderCheck} for what must hold. Every whole Ogg page in the
 * input gets its CRC recomputed first, as a mutated page would otherwise never get past the checksum to the
 * Opus headers and packets behind it (the checksum itself is tested elsewhere).
 */
class OggOpusReaderFuzzTest {

    /**
     * The most 16 kHz samples one byte of an Ogg Opus file can become: a packet lasts at most 120 ms (1920
     * samples at 16 kHz) and takes at least two bytes of the file, its lacing value and its table-of-contents
     * byte (a one-byte packet can already hold two empty 60 ms frames).
     */
    private static final long SAMPLES_PER_BYTE = 960;

    @BeforeAll
    static void configure() throws Exception {
        FuzzRun.configure();
        ReaderCheck.warmUp(new OggOpusReader(), "OggOpusReaderFuzzTestInputs/read/seed-48k-stereo-60ms");
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"OggS", "OpusHead", "OpusTags", "vorbis", "FLAC", "fishead"})
    void read(byte[] file) {
        ReaderCheck.check(new OggOpusReader(), OggCrc.fixed(file), SAMPLES_PER_BYTE);
    }
}
