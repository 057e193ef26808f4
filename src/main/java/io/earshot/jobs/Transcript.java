package io.earshot.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.engine.Recognition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A job's transcript: its segments in time order, each with words, times, confidence and the speaker where
 * diarization ran; and the four ways {@code GET /v1/jobs/{id}/transcript} writes it (JSON, plain text, WebVTT,
 * SRT). Times are milliseconds from the recording's first sample.
 */
public record Transcript(String jobId, long durationMs, List<Segment> segments) {

    /** Caption cues are cut at a pause between words to stay within these (common caption guidelines). */
    static final int CUE_MAX_CHARS = 84;
    static final int CUE_LINE_CHARS = 42;
    static final long CUE_MAX_MS = 7_000;

    /** One recognized stretch of speech. */
    public record Segment(long startMs, long endMs, String speaker, String text, List<Recognition.Word> words) {
        public Segment {
            words = List.copyOf(words);
        }
    }

    public Transcript {
        segments = List.copyOf(segments);
    }

    static Transcript of(String jobId, long durationMs, List<Recognition> recognitions) {
        return new Transcript(jobId, durationMs, recognitions.stream()
                .filter(r -> !r.text().isBlank())
                .map(r -> new Segment(r.startMs(), r.endMs(), r.speaker(), r.text(), r.words())).toList());
    }

    /** The speakers in order of first appearance. */
    List<String> speakers() {
        Set<String> s = new LinkedHashSet<>();
        segments.forEach(g -> {
            if (g.speaker() != null) {
                s.add(g.speaker());
            }
        });
        return List.copyOf(s);
    }

    String text() {
        return String.join(" ", segments.stream().map(Segment::text).toList());
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", jobId);
        m.put("duration_ms", durationMs);
        m.put("text", text());
        m.put("speakers", speakers());
        List<Map<String, Object>> segs = new ArrayList<>();
        for (Segment g : segments) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("start_ms", g.startMs());
            s.put("end_ms", g.endMs());
            s.put("speaker", g.speaker());
            s.put("text", g.text());
            List<Map<String, Object>> words = new ArrayList<>();
            for (Recognition.Word w : g.words()) {
                Map<String, Object> wm = new LinkedHashMap<>();
                wm.put("word", w.word());
                wm.put("start_ms", w.startMs());
                wm.put("end_ms", w.endMs());
                wm.put("confidence", w.confidence());
                words.add(wm);
            }
            s.put("words", words);
            segs.add(s);
        }
        m.put("segments", segs);
        return m;
    }

    static Transcript fromJson(JsonNode n) {
        List<Segment> segs = new ArrayList<>();
        for (JsonNode s : n.path("segments")) {
            List<Recognition.Word> words = new ArrayList<>();
            for (JsonNode w : s.path("words")) {
                words.add(new Recognition.Word(w.path("word").asText(), w.path("start_ms").asLong(),
                        w.path("end_ms").asLong(), w.path("confidence").isNumber()
                                ? w.path("confidence").asDouble() : null));
            }
            segs.add(new Segment(s.path("start_ms").asLong(), s.path("end_ms").asLong(),
                    s.hasNonNull("speaker") ? s.path("speaker").asText() : null, s.path("text").asText(), words));
        }
        return new Transcript(n.path("job_id").asText(), n.path("duration_ms").asLong(), segs);
    }

    /** One line per segment, {@code S1: } before it when speakers are known. */
    String plainText() {
        StringBuilder b = new StringBuilder();
        for (Segment g : segments) {
            if (g.speaker() != null) {
                b.append(g.speaker()).append(": ");
            }
            b.append(g.text()).append('\n');
        }
        return b.toString();
    }

    /** WebVTT, with the speaker as a voice span ({@code <v S1>}). */
    String webVtt() {
        StringBuilder b = new StringBuilder("WEBVTT\n");
        int n = 1;
        for (Cue c : cues()) {
            b.append('\n').append(n++).append('\n').append(time(c.startMs, '.')).append(" --> ")
                    .append(time(c.endMs, '.')).append('\n');
            if (c.speaker != null) {
                b.append("<v ").append(c.speaker).append('>');
            }
            b.append(escapeVtt(c.text)).append('\n');
        }
        return b.toString();
    }

    /** SubRip, with the speaker before the text ({@code S1: }). */
    String srt() {
        StringBuilder b = new StringBuilder();
        int n = 1;
        for (Cue c : cues()) {
            if (n > 1) {
                b.append('\n');
            }
            b.append(n++).append('\n').append(time(c.startMs, ',')).append(" --> ").append(time(c.endMs, ','))
                    .append('\n');
            if (c.speaker != null) {
                b.append(c.speaker).append(": ");
            }
            b.append(c.text).append('\n');
        }
        return b.toString();
    }

    private record Cue(long startMs, long endMs, String speaker, String text) {
    }

    /**
     * Caption cues: each segment cut, where its words have times, into pieces of at most {@link #CUE_MAX_CHARS}
     * characters and {@link #CUE_MAX_MS}, on two lines of about {@link #CUE_LINE_CHARS}.
     */
    List<Cue> cues() {
        List<Cue> out = new ArrayList<>();
        for (Segment g : segments) {
            if (g.words().isEmpty()) {
                out.add(new Cue(g.startMs(), Math.max(g.endMs(), g.startMs() + 1), g.speaker(), lines(g.text())));
                continue;
            }
            List<Recognition.Word> piece = new ArrayList<>();
            for (Recognition.Word w : g.words()) {
                if (!piece.isEmpty()) {
                    int chars = joined(piece).length() + 1 + w.word().length();
                    if (chars > CUE_MAX_CHARS || w.endMs() - piece.get(0).startMs() > CUE_MAX_MS) {
                        out.add(cue(piece, g.speaker()));
                        piece.clear();
                    }
                }
                piece.add(w);
            }
            out.add(cue(piece, g.speaker()));
        }
        return out;
    }

    private static Cue cue(List<Recognition.Word> words, String speaker) {
        long start = words.get(0).startMs();
        long end = Math.max(words.get(words.size() - 1).endMs(), start + 1);
        return new Cue(start, end, speaker, lines(joined(words)));
    }

    private static String joined(List<Recognition.Word> words) {
        return String.join(" ", words.stream().map(Recognition.Word::word).toList());
    }

    /** Breaks text longer than a caption line at the space nearest its middle. */
    static String lines(String text) {
        if (text.length() <= CUE_LINE_CHARS) {
            return text;
        }
        int mid = text.length() / 2;
        int best = -1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == ' ' && (best < 0 || Math.abs(i - mid) < Math.abs(best - mid))) {
                best = i;
            }
        }
        return best < 0 ? text : text.substring(0, best) + "\n" + text.substring(best + 1);
    }

    private static String escapeVtt(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** 01:02:03.456 (WebVTT) or 01:02:03,456 (SRT). */
    static String time(long ms, char separator) {
        return String.format(Locale.ROOT, "%02d:%02d:%02d%c%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60,
                separator, ms % 1000);
    }
}
