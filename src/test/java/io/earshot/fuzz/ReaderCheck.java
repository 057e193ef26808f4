package io.earshot.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException;
import io.earshot.audio.file.AudioFileInfo;
import io.earshot.audio.file.AudioFileReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * What every audio file reader promises for any input: it decodes the file or throws an
 * {@link AudioFileException} with a message fit for the uploader, never anything else; it never hands the sink
 * more samples than the file's bytes can hold; and it is quick about it. The stream here cannot fail, so an
 * {@link IOException} is a bug too.
 */
final class ReaderCheck {

    /**
     * Samples the converter may still emit at the end of a stream for input already counted: its resampler's
     * delay line, a few dozen samples, with room to spare.
     */
    static final long TAIL_SAMPLES = 1024;

    private ReaderCheck() {
    }

    /**
     * Decodes the test resource {@code seed} once, so that loading the reader's and the decoder's classes is
     * not counted against the first timed input.
     */
    static void warmUp(AudioFileReader reader, String seed) throws Exception {
        try (InputStream in = ReaderCheck.class.getResourceAsStream(seed)) {
            reader.read(in, PcmSink.DISCARD);
        }
    }

    /**
     * Reads {@code file} with {@code reader}; {@code samplesPerByte} is the most 16 kHz output samples one byte of
     * the format can justify.
     */
    static void check(AudioFileReader reader, byte[] file, long samplesPerByte) {
        long start = System.nanoTime();
        Counting sink = new Counting();
        try {
            AudioFileInfo info = reader.read(new ByteArrayInputStream(file), sink);
            assertNotNull(info);
            assertEquals(sink.samples, info.outputSamples(), "the info counts other samples than the sink got");
        } catch (AudioFileException e) {
            String message = e.getMessage();
            assertNotNull(e.problem());
            assertTrue(message != null && !message.isBlank(), "no message for the uploader");
            assertFalse(message.contains("Exception") || message.contains("java."), "message: " + message);
            e.offset().ifPresent(offset -> assertTrue(offset >= 0 && offset <= file.length,
                    "offset " + offset + " outside the " + file.length + "-byte file: " + message));
        } catch (IOException e) {
            throw new AssertionError("IOException from a stream that cannot fail: " + e, e);
        }
        long bound = samplesPerByte * file.length + TAIL_SAMPLES;
        assertTrue(sink.samples <= bound, sink.samples + " samples from " + file.length + " bytes, more than the "
                + bound + " they can hold");
        FuzzRun.assertFast(start);
    }

    private static final class Counting implements PcmSink {
        long samples;

        @Override
        public void accept(short[] data, int offset, int length) {
            assertTrue(offset >= 0 && length >= 0 && offset + length <= data.length, "sink handed a bad range");
            samples += length;
        }
    }
}
