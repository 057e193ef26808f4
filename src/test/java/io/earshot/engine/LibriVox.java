package io.earshot.engine;

import io.earshot.audio.Signals;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The five LibriVox clips of the test resources with their reference transcripts. */
public final class LibriVox {

    /** One clip: its id, 16 kHz mono samples and reference text. */
    public record Clip(String id, short[] samples, String reference) {
        public double seconds() {
            return samples.length / 16_000.0;
        }
    }

    private static final String DIR = "/audio/librivox/";
    private static final Pattern LINE = Pattern.compile("<s>\\s*(.*?)\\s*</s>\\s*\\((.+)\\)");

    private LibriVox() {
    }

    public static List<Clip> clips() {
        List<Clip> clips = new ArrayList<>();
        try (InputStream in = LibriVox.class.getResourceAsStream(DIR + "transcription")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                Matcher m = LINE.matcher(line.strip());
                if (m.matches()) {
                    clips.add(new Clip(m.group(2), Signals.resourceWav16(DIR + m.group(2) + ".wav"), m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (clips.size() != 5) {
            throw new IllegalStateException("expected 5 LibriVox clips, found " + clips.size());
        }
        return clips;
    }
}
