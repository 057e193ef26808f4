package io.earshot.jobs;

import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException;
import io.earshot.audio.file.AudioFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Whether an upload is audio Earshot reads, checked before it is accepted rather than in the queue. */
final class AudioProbe {

    /** Audio decoded to check an upload: its first five seconds. */
    private static final long PROBE_SAMPLES = 16_000L * 5;

    private AudioProbe() {
    }

    /** Refuses a media type no reader takes (415). */
    static void checkMediaType(String mediaType) throws JobRefusal {
        try {
            AudioFiles.forMediaType(mediaType);
        } catch (AudioFileException e) {
            throw new JobRefusal(415, e.problem().wireName(), e.getMessage() + " Accepted types: "
                    + String.join(", ", AudioFiles.ACCEPTED_TYPES) + ".");
        }
    }

    /** Decodes the file's first seconds; refuses a file that is not audio Earshot reads (415 or 422). */
    static void probe(InputStream file, String mediaType) throws JobRefusal, IOException {
        final class Enough extends RuntimeException {
            private static final long serialVersionUID = 1L;

            Enough() {
                super(null, null, false, false);
            }
        }
        PcmSink sink = new PcmSink() {
            long samples;

            @Override
            public void accept(short[] data, int offset, int length) {
                samples += length;
                if (samples >= PROBE_SAMPLES) {
                    throw new Enough();
                }
            }
        };
        try (InputStream in = new BufferedInputStream(file, 65_536)) {
            AudioFiles.forMediaType(mediaType).read(in, sink);
        } catch (Enough e) {
            // the start of the file decodes: accepted
        } catch (AudioFileException e) {
            throw new JobRefusal(e.problem() == AudioFileException.Problem.UNSUPPORTED ? 415 : 422,
                    e.problem().wireName(), e.getMessage() + e.offset().stream()
                    .mapToObj(o -> " (at byte " + o + ")").findFirst().orElse(""));
        }
    }
}
