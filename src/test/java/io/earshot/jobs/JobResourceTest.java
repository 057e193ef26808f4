package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The request helpers of the jobs API: {@code If-None-Match} against a record's tag, the align and diarize
 * flags, the uploader's file name made safe to show, and tus {@code Upload-Metadata}.
 */
class JobResourceTest {

    private static final String TAG = "\"j_0123.7\"";

    @Test
    void ifNoneMatchMatchesTheTagAnywhereInAList() {
        assertTrue(JobResource.matches(TAG, TAG));
        assertTrue(JobResource.matches("\"j_0123.6\", " + TAG, TAG));
        assertTrue(JobResource.matches("\"a\",\"b\"  ,  " + TAG + " ", TAG));
        assertFalse(JobResource.matches("\"j_0123.6\", \"j_0123.8\"", TAG));
        assertFalse(JobResource.matches("\"j_0123.70\"", TAG));
        assertFalse(JobResource.matches("j_0123.7", TAG), "an unquoted tag is not the tag");
        assertFalse(JobResource.matches("", TAG));
    }

    @Test
    void ifNoneMatchComparesWeakTagsByValue() {
        assertTrue(JobResource.matches("W/" + TAG, TAG));
        assertTrue(JobResource.matches("\"x\", W/" + TAG, TAG));
        assertFalse(JobResource.matches("W/\"j_0123.6\"", TAG));
    }

    @Test
    void ifNoneMatchStarMatchesAnyTag() {
        assertTrue(JobResource.matches("*", TAG));
        assertTrue(JobResource.matches(" * ", "\"anything.1\""));
        assertTrue(JobResource.matches("\"x\", *", TAG));
    }

    @Test
    void flagAcceptsTrueAndFalseSpellings() throws JobRefusal {
        for (String yes : new String[] {"true", "TRUE", " True ", "1", "yes", "Yes"}) {
            assertTrue(JobResource.flag("align", yes), yes);
        }
        for (String no : new String[] {"false", "FALSE", " false", "0", "no", "NO"}) {
            assertFalse(JobResource.flag("align", no), no);
        }
    }

    @Test
    void flagAbsentOrEmptyIsOn() throws JobRefusal {
        assertTrue(JobResource.flag("align", null));
        assertTrue(JobResource.flag("align", ""));
        assertTrue(JobResource.flag("diarize", "  "));
    }

    @Test
    void flagRefusesAnythingElseNamingTheFlag() {
        for (String bad : new String[] {"maybe", "2", "on", "t", "truefalse"}) {
            JobRefusal e = assertThrows(JobRefusal.class, () -> JobResource.flag("diarize", bad), bad);
            assertEquals(400, e.status());
            assertEquals("bad_request", e.code());
            assertTrue(e.getMessage().contains("diarize"), e.getMessage());
            assertTrue(e.retryAfterSeconds() < 0);
        }
    }

    @Test
    void cleanKeepsOnlyTheLastPathElement() {
        assertEquals("talk.wav", JobResource.clean("talk.wav"));
        assertEquals("passwd", JobResource.clean("../../etc/passwd"));
        assertEquals("talk.wav", JobResource.clean("/recordings/2024/talk.wav"));
        assertEquals("talk.wav", JobResource.clean("C:\\Users\\me\\talk.wav"));
        assertEquals("talk.wav", JobResource.clean("a\\b/c\\talk.wav"));
        assertEquals("my talk (2).wav", JobResource.clean("  my talk (2).wav  "));
        assertNull(JobResource.clean("uploads/"));
        assertNull(JobResource.clean("\\"));
    }

    @Test
    void cleanRemovesControlCharacters() {
        assertEquals("talk.wav", JobResource.clean("ta\u0000lk\r\n.wav\u007f"));
        assertEquals("tälk 🎤.wav", JobResource.clean("t\u0007älk\t 🎤.wav"));
        assertNull(JobResource.clean("\u0001\u0002\n"));
        // C1 controls and direction overrides (which can disguise a name's extension) go too
        assertEquals("talkgpj.wav", JobResource.clean("talk\u0085\u202Egpj.wav"));
        assertEquals("ab", JobResource.clean("a\u2066\u200Fb"));
    }

    @Test
    void cleanNeverCutsACharacterInHalf() {
        String name = "a".repeat(254) + "🎤🎤";
        String cleaned = JobResource.clean(name);
        assertEquals("a".repeat(254), cleaned);
        assertEquals(255, JobResource.clean("b".repeat(300)).length());
    }

    @Test
    void cleanGivesNullForNothing() {
        assertNull(JobResource.clean(null));
        assertNull(JobResource.clean(""));
        assertNull(JobResource.clean("   "));
    }

    @Test
    void cleanCapsAt255Characters() {
        String name = "n".repeat(300) + ".wav";

        assertEquals("n".repeat(255), JobResource.clean(name));
        assertEquals("x".repeat(255), JobResource.clean("x".repeat(255)));
        assertEquals("y".repeat(255), JobResource.clean("dir/" + "y".repeat(255)));
        assertEquals(254, JobResource.clean("z".repeat(254)).length());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tusMetadataDecodesBase64Pairs() throws JobRefusal {
        String header = "filename " + b64("Café talk.wav") + ",filetype " + b64("audio/wav") + ", align "
                + b64("false");

        assertEquals(Map.of("filename", "Café talk.wav", "filetype", "audio/wav", "align", "false"),
                TusResource.metadata(header));
    }

    @Test
    void tusMetadataKeyWithoutValueIsEmpty() throws JobRefusal {
        assertEquals(Map.of("is_confidential", "", "filename", "a.wav"),
                TusResource.metadata("is_confidential,filename " + b64("a.wav")));
        assertEquals(Map.of("diarize", ""), TusResource.metadata("diarize "));
    }

    @Test
    void tusMetadataAbsentOrBlankIsEmpty() throws JobRefusal {
        assertEquals(Map.of(), TusResource.metadata(null));
        assertEquals(Map.of(), TusResource.metadata(""));
        assertEquals(Map.of(), TusResource.metadata("  "));
        assertEquals(Map.of("a", "x"), TusResource.metadata(" , a " + b64("x") + ",,"));
    }

    @Test
    void tusMetadataWithBadBase64IsRefused() {
        JobRefusal e = assertThrows(JobRefusal.class, () -> TusResource.metadata("filetype " + b64("audio/wav")
                + ",filename not*base64!"));

        assertEquals(400, e.status());
        assertEquals("bad_request", e.code());
        assertTrue(e.getMessage().contains("filename"), e.getMessage());
    }
}
