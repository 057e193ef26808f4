package io.earshot.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.earshot.audio.file.WavReader;
import org.junit.jupiter.api.BeforeAll;

/** Any bytes read as a WAV file: see {@link ReaderCheck} for what must hold. */
class WavReaderFuzzTest {

    /**
     * The most 16 kHz samples one byte of a WAV file can become: one 8-bit mono sample at 8 kHz, the lowest rate
     * taken, is upsampled to two.
     */
    private static final long SAMPLES_PER_BYTE = 2;

    @BeforeAll
    static void configure() throws Exception {
        FuzzRun.configure();
        ReaderCheck.warmUp(new WavReader(), "WavReaderFuzzTestInputs/read/seed-22k05-mono-f32");
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"RIFF", "RF64", "BW64", "RIFX", "WAVE", "fmt ", "data", "ds64", "LIST", "fact"})
    void read(byte[] file) {
        ReaderCheck.check(new WavReader(), file, SAMPLES_PER_BYTE);
    }
}
