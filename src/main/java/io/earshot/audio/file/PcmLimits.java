package io.earshot.audio.file;

import io.earshot.audio.AudioCodec;
import java.util.List;
import java.util.stream.Collectors;

/** The sample rates and channel counts uncompressed uploads may use: those of the streaming PCM codec. */
final class PcmLimits {

    static final List<Integer> RATES = AudioCodec.PCM_S16LE.sampleRates();

    private PcmLimits() {
    }

    /** Refuses, as unsupported, a rate or channel count the converter does not take. */
    static void check(long sampleRate, int channels) throws AudioFileException {
        if (channels < 1 || channels > 2) {
            throw AudioFileException.unsupported("Audio with " + channels + " channels is not supported: "
                    + "send mono or stereo.");
        }
        if (sampleRate > Integer.MAX_VALUE || !RATES.contains((int) sampleRate)) {
            throw AudioFileException.unsupported("A sample rate of " + sampleRate + " Hz is not supported: "
                    + "supported rates are " + list(RATES) + " Hz.");
        }
    }

    /** "a, b and c". */
    static String list(List<?> items) {
        String all = items.stream().map(String::valueOf).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return last < 0 ? all : all.substring(0, last) + " and " + all.substring(last + 2);
    }
}
