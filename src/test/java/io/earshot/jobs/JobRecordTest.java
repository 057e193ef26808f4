package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.protocol.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The job record: its JSON form read back unchanged with and without its optional parts, each change one more
 * {@code event_id}, {@code finished_at} only in a final stage, a failure carried whole, and the entity tag.
 */
class JobRecordTest {

    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00.123456789Z");
    private static final Instant T1 = Instant.parse("2024-05-01T10:00:05Z");
    private static final Instant T2 = Instant.parse("2024-05-01T10:01:00.5Z");

    private static JobRecord upload() {
        return JobRecord.create("j_00112233445566778899aabbccddeeff", Stage.QUEUED, "waiting for a worker", T0,
                "upload", null, 0, "audio/wav", "talk.wav", true, false, null, "recorder");
    }

    private static JobRecord roundTrip(JobRecord r) throws Exception {
        return JobRecord.fromJson(Json.mapper().readTree(Json.write(r.toJson())));
    }

    @Test
    void newRecordRoundTripsWithoutTheOptionalParts() throws Exception {
        JobRecord r = JobRecord.create("j_1", Stage.UPLOADING, "0 of 100 bytes", T0, "tus", null, 0, null, null,
                false, true, 100L, null);

        assertEquals(r, roundTrip(r));
        JsonNode n = Json.mapper().readTree(Json.write(r.toJson()));
        assertEquals("uploading", n.path("stage").asText());
        assertEquals(1, n.path("event_id").asLong());
        assertFalse(n.has("finished_at"));
        assertFalse(n.has("audio"));
        assertFalse(n.has("error"));
        assertFalse(n.has("session_id"));
        assertEquals(100, n.path("upload").path("length").asLong());
        assertEquals("/v1/uploads/j_1", n.path("links").path("upload").asText());
    }

    @Test
    void uploadWithoutKnownLengthRoundTrips() throws Exception {
        JobRecord r = upload();

        JobRecord back = roundTrip(r);

        assertEquals(r, back);
        assertNull(back.uploadLength());
        assertFalse(Json.mapper().readTree(Json.write(r.toJson())).path("links").has("upload"));
    }

    @Test
    void completeRecordWithAudioRoundTrips() throws Exception {
        JobRecord r = upload().uploaded(48_044, 100, "received", T1)
                .withAudio(new JobRecord.Audio("wav", "pcm_s16le", 16_000, 1, 1_501), T1)
                .withAttempt().moved(Stage.TRANSCRIBING, 40, "segment 2 of 5", T1)
                .moved(Stage.COMPLETE, 100, "3 segments", T2);

        JobRecord back = roundTrip(r);

        assertEquals(r, back);
        assertEquals(new JobRecord.Audio("wav", "pcm_s16le", 16_000, 1, 1_501), back.audio());
        assertEquals(T2, back.finishedAt());
        assertEquals(T0, back.createdAt());
        assertEquals(1, back.attempts());
        assertEquals(48_044, back.uploadOffset());
    }

    @Test
    void failedRecordWithErrorRoundTrips() throws Exception {
        JobRecord r = upload().failed(new JobFailure("audio_unreadable", "The file is not audio.",
                "no RIFF header at byte 0", false), T1);

        JobRecord back = roundTrip(r);

        assertEquals(r, back);
        assertEquals(new JobFailure("audio_unreadable", "The file is not audio.", "no RIFF header at byte 0", false),
                back.error());
    }

    @Test
    void sessionRecordRoundTripsWithItsSessionFields() throws Exception {
        JobRecord r = JobRecord.create("j_2", Stage.UPLOADING, "waiting for the session's tail", T0, "session",
                "s_abc", 42, "audio/opus", null, true, true, null, "anonymous").withAttempt().withAttempt();

        JobRecord back = roundTrip(r);

        assertEquals(r, back);
        assertEquals("s_abc", back.sessionId());
        assertEquals(42, back.sessionChunks());
        assertEquals(2, back.attempts());
    }

    @Test
    void movedCountsOneEventAndSetsFinishedAtOnlyInAFinalStage() {
        JobRecord r = upload();

        JobRecord running = r.moved(Stage.TRANSCRIBING, 10, "segment 1 of 10", T1);
        assertEquals(2, running.eventId());
        assertEquals(Stage.TRANSCRIBING, running.stage());
        assertEquals(10, running.percent());
        assertEquals("segment 1 of 10", running.detail());
        assertEquals(T1, running.updatedAt());
        assertEquals(T0, running.createdAt());
        assertNull(running.finishedAt());

        for (Stage s : Stage.values()) {
            JobRecord m = running.moved(s, 50, "x", T2);
            assertEquals(3, m.eventId(), s::name);
            assertEquals(s.isFinal() ? T2 : null, m.finishedAt(), s::name);
        }
        assertTrue(Stage.COMPLETE.isFinal() && Stage.FAILED.isFinal() && Stage.CANCELLED.isFinal());
    }

    @Test
    void movedKeepsPercentWithin0To100() {
        assertEquals(100, upload().moved(Stage.TRANSCRIBING, 140, "", T1).percent());
        assertEquals(0, upload().moved(Stage.TRANSCRIBING, -3, "", T1).percent());
    }

    @Test
    void movingOnFromAFailureDropsTheError() {
        JobRecord failed = upload().failed(new JobFailure("engine_unavailable", "later", "", true), T1);

        assertNull(failed.moved(Stage.QUEUED, 0, "queued again", T2).error());
        assertEquals(failed.error(), failed.moved(Stage.FAILED, 0, "still failed", T2).error());
    }

    @Test
    void failedCarriesTheFailure() {
        JobFailure f = new JobFailure("engine_failed", "The speech engine failed.", "segment 3", true);
        JobRecord r = upload().moved(Stage.TRANSCRIBING, 30, "segment 3 of 10", T1);

        JobRecord failed = r.failed(f, T2);

        assertEquals(Stage.FAILED, failed.stage());
        assertEquals(f, failed.error());
        assertEquals("The speech engine failed.", failed.detail());
        assertEquals(r.eventId() + 1, failed.eventId());
        assertEquals(T2, failed.finishedAt());
        assertEquals(T2, failed.updatedAt());
        assertEquals(30, failed.percent());
        JsonNode e = Json.mapper().valueToTree(failed.toJson()).path("error");
        assertEquals("engine_failed", e.path("code").asText());
        assertTrue(e.path("retryable").asBoolean());
    }

    @Test
    void uploadedAndWithAudioCountOneEventAndWithAttemptNone() {
        JobRecord r = upload();

        JobRecord up = r.uploaded(10, 5, "10 bytes", T1);
        assertEquals(2, up.eventId());
        assertEquals(10, up.uploadOffset());
        assertEquals(T1, up.updatedAt());
        JobRecord decoded = r.withAudio(new JobRecord.Audio("ogg", "opus", 48_000, 2, 10), T2);
        assertEquals(2, decoded.eventId());
        assertEquals(T2, decoded.updatedAt());
        assertEquals(r.stage(), decoded.stage());
        assertEquals(1, r.withAttempt().eventId());
        assertEquals(1, r.withAttempt().attempts());
    }

    @Test
    void etagIsTheQuotedIdAndEventId() {
        JobRecord r = upload();

        assertEquals("\"j_00112233445566778899aabbccddeeff.1\"", r.etag());
        assertEquals("\"j_00112233445566778899aabbccddeeff.3\"", r.moved(Stage.TRANSCRIBING, 0, "", T1)
                .moved(Stage.COMPLETE, 100, "", T2).etag());
    }
}
