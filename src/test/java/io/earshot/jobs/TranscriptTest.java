package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.engine.Recognition;
import io.earshot.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job's transcript: its JSON form read back unchanged, and the exact text of its plain, WebVTT and SRT forms
 * (time format, speaker, escaping, cues cut at 84 characters or 7 s, two lines of about 42 characters).
 */
class TranscriptTest {

    private static Recognition.Word w(String word, long startMs, long endMs) {
        return new Recognition.Word(word, startMs, endMs, 0.9);
    }

    /** A segment with words and speaker S1 (text to escape in WebVTT), then one without words or speaker. */
    private static Transcript small() {
        return new Transcript("j_small", 3_726_000, List.of(
                new Transcript.Segment(1_000, 2_500, "S1", "Hello <world> & more", List.of(
                        w("Hello", 1_000, 1_300), w("<world>", 1_400, 1_900), w("&", 2_000, 2_100),
                        w("more", 2_200, 2_500))),
                new Transcript.Segment(3_723_456, 3_725_000, null, "no words here", List.of())));
    }

    @Test
    void jsonRoundTripGivesAnEqualTranscript() throws Exception {
        Transcript t = new Transcript("j_0123456789abcdef", 12_345, List.of(
                new Transcript.Segment(0, 2_000, "S1", "hello world", List.of(
                        new Recognition.Word("hello", 0, 900, 0.87), new Recognition.Word("world", 1_000, 2_000, null))),
                new Transcript.Segment(2_500, 4_000, null, "no speaker", List.of(
                        new Recognition.Word("no", 2_500, 3_000, 1.0), new Recognition.Word("speaker", 3_100, 4_000,
                                0.0))),
                new Transcript.Segment(5_000, 6_000, "S2", "no words", List.of())));

        JsonNode n = Json.mapper().readTree(Json.write(t.toJson()));

        assertEquals(t, Transcript.fromJson(n));
        assertEquals("hello world no speaker no words", n.path("text").asText());
        assertEquals(List.of("S1", "S2"), t.speakers());
        assertEquals(2, n.path("speakers").size());
        assertEquals("S2", n.path("speakers").get(1).asText());
    }

    @Test
    void plainTextPutsTheSpeakerBeforeEachLineWhereKnown() {
        assertEquals("S1: Hello <world> & more\nno words here\n", small().plainText());
    }

    @Test
    void plainTextWithoutSpeakersIsOneLinePerSegment() {
        Transcript t = new Transcript("j_x", 5_000, List.of(
                new Transcript.Segment(0, 1_000, null, "first line", List.of()),
                new Transcript.Segment(1_000, 2_000, null, "second line", List.of())));

        assertEquals("first line\nsecond line\n", t.plainText());
    }

    @Test
    void webVttOfASmallTranscript() {
        assertEquals("""
                WEBVTT

                1
                00:00:01.000 --> 00:00:02.500
                <v S1>Hello &lt;world&gt; &amp; more

                2
                01:02:03.456 --> 01:02:05.000
                no words here
                """, small().webVtt());
    }

    @Test
    void srtOfASmallTranscript() {
        assertEquals("""
                1
                00:00:01,000 --> 00:00:02,500
                S1: Hello <world> & more

                2
                01:02:03,456 --> 01:02:05,000
                no words here
                """, small().srt());
    }

    @Test
    void timeIsHoursMinutesSecondsAndMilliseconds() {
        assertEquals("01:02:03.456", Transcript.time(3_723_456, '.'));
        assertEquals("01:02:03,456", Transcript.time(3_723_456, ','));
        assertEquals("00:00:00.000", Transcript.time(0, '.'));
        assertEquals("00:00:59.999", Transcript.time(59_999, '.'));
        assertEquals("10:00:00,007", Transcript.time(36_000_007, ','));
    }

    @Test
    void cueIsCutBeforeAWordThatWouldTakeItPast84Characters() {
        // six words of 11 characters and one of 12: exactly 84 characters, then a word that makes 86
        List<Recognition.Word> words = new ArrayList<>();
        String[] text = {"aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc", "ddddddddddd", "eeeeeeeeeee", "fffffffffff",
            "gggggggggggg", "h"};
        for (int i = 0; i < text.length; i++) {
            words.add(w(text[i], i * 100L, i * 100L + 80));
        }
        Transcript t = new Transcript("j_x", 1_000, List.of(
                new Transcript.Segment(0, 780, "S2", String.join(" ", text), words)));

        // 84 characters break at the space nearest the middle (47, against 35)
        assertEquals("""
                1
                00:00:00,000 --> 00:00:00,680
                S2: aaaaaaaaaaa bbbbbbbbbbb ccccccccccc ddddddddddd
                eeeeeeeeeee fffffffffff gggggggggggg

                2
                00:00:00,700 --> 00:00:00,780
                S2: h
                """, t.srt());
        assertEquals("""
                WEBVTT

                1
                00:00:00.000 --> 00:00:00.680
                <v S2>aaaaaaaaaaa bbbbbbbbbbb ccccccccccc ddddddddddd
                eeeeeeeeeee fffffffffff gggggggggggg

                2
                00:00:00.700 --> 00:00:00.780
                <v S2>h
                """, t.webVtt());
    }

    @Test
    void cueIsCutBeforeAWordEndingMoreThan7SecondsAfterItsStart() {
        // one word a second; the word ending exactly 7 s after the cue's start stays, the next starts a cue
        List<Recognition.Word> words = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            words.add(w("w" + i, 10_000 + i * 1_000L, 10_000 + i * 1_000L + 500));
        }
        words.add(w("w6", 16_000, 17_000));
        words.add(w("w7", 17_100, 17_200));
        words.add(w("w8", 17_300, 18_000));
        Transcript t = new Transcript("j_x", 20_000, List.of(
                new Transcript.Segment(10_000, 18_000, null, "w0 w1 w2 w3 w4 w5 w6 w7 w8", words)));

        assertEquals("""
                1
                00:00:10,000 --> 00:00:17,000
                w0 w1 w2 w3 w4 w5 w6

                2
                00:00:17,100 --> 00:00:18,000
                w7 w8
                """, t.srt());
    }

    @Test
    void segmentsKeepTheirOwnSpeakerAndNeverShareACue() {
        Transcript t = new Transcript("j_x", 5_000, List.of(
                new Transcript.Segment(0, 1_000, "S1", "one", List.of(w("one", 0, 1_000))),
                new Transcript.Segment(1_000, 2_000, "S2", "two", List.of(w("two", 1_000, 2_000)))));

        assertEquals("""
                WEBVTT

                1
                00:00:00.000 --> 00:00:01.000
                <v S1>one

                2
                00:00:01.000 --> 00:00:02.000
                <v S2>two
                """, t.webVtt());
    }

    @Test
    void segmentWithoutWordsIsOneCueOfItsTextOnTwoLines() {
        String text = "this segment has no word times and is longer than one caption line";
        Transcript t = new Transcript("j_x", 9_000, List.of(
                new Transcript.Segment(4_000, 4_000, "S1", text, List.of())));

        // an empty stretch still gets a cue that ends after it starts
        assertEquals("""
                1
                00:00:04,000 --> 00:00:04,001
                S1: this segment has no word times and
                is longer than one caption line
                """, t.srt());
    }

    @Test
    void linesBreakOnlyPast42CharactersAtTheSpaceNearestTheMiddle() {
        String fortyTwo = "abcdefghij abcdefghij abcdefghij abcdefghi";
        assertEquals(42, fortyTwo.length());
        assertEquals(fortyTwo, Transcript.lines(fortyTwo));
        assertEquals("abcdefghij abcdefghij\nabcdefghij abcdefghij", Transcript.lines(
                "abcdefghij abcdefghij abcdefghij abcdefghij"));
        assertEquals("a\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                Transcript.lines("a bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
        // two spaces as near the middle: the first wins
        assertEquals("a".repeat(21) + "\nb " + "c".repeat(21), Transcript.lines("a".repeat(21) + " b "
                + "c".repeat(21)));
        String noSpace = "x".repeat(60);
        assertEquals(noSpace, Transcript.lines(noSpace));
    }
}
