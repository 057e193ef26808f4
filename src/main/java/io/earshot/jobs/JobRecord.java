package io.earshot.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's progress record: the one record that polling ({@code GET /v1/jobs/{id}}), the WebSocket
 * subscription ({@code /v1/jobs/{id}/events}) and the job's file on disk all carry. Immutable; every change
 * makes a new record with the next {@code event_id}, so {@code event_id} orders the changes of one job and is
 * the record's {@code ETag}.
 *
 * @param id           {@code j_} and 128 random bits
 * @param stage        where the job stands
 * @param percent      whole-number progress through the current stage, 0 to 100 (100 when complete; a failed or
 *                     cancelled job keeps the value it had reached)
 * @param detail       what the stage is doing, for people ("segment 3 of 10"); never an estimate of time
 * @param eventId      1 for the new job, one more for each change
 * @param source       {@code upload} (one request), {@code tus} (resumable upload) or {@code session}
 *                     (a stream's stored audio handed off)
 * @param sessionId    the session handed off, for {@code source = session}; else null
 * @param sessionChunks the session's chunks the job takes from its spool (its acked chunks at the hand-off)
 * @param mediaType    the upload's declared {@code Content-Type} (the stream's codec for a session); may be null
 * @param filename     the uploader's name for the file, if given; informational
 * @param align        whether the Aligning stage runs
 * @param diarize      whether the Diarizing stage runs
 * @param uploadLength bytes the upload will have (tus {@code Upload-Length}), or null when not known ahead
 * @param uploadOffset bytes received so far; for a session, the tail's chunks received
 * @param audio        what the audio turned out to be, once decoded; else null
 * @param error        why the job failed, for {@link Stage#FAILED}; else null
 * @param attempts     times a worker started the job (more than 1 after a server restart or an engine outage)
 * @param finishedAt   when the job reached a final stage; else null
 * @param owner        the identity that created the job (the API key's name; {@code anonymous} without
 *                     authentication); only it may read, follow or delete the job
 */
public record JobRecord(String id, Stage stage, int percent, String detail, long eventId, Instant createdAt,
        Instant updatedAt, String source, String sessionId, long sessionChunks, String mediaType, String filename,
        boolean align, boolean diarize, Long uploadLength, long uploadOffset, Audio audio, JobFailure error,
        int attempts, Instant finishedAt, String owner) {

    /** The decoded audio: container and codec as the reader found them, and its duration. */
    public record Audio(String container, String codec, int sampleRate, int channels, long durationMs) {
    }

    /** The application's context path ("" at the server's root), for the links; set once at startup. */
    private static volatile String contextPath = "";

    static void contextPath(String path) {
        contextPath = path == null || path.equals("/") ? "" : path;
    }

    /** A path of the API, with the application's context path: {@code /v1/jobs/j_...}. */
    public static String link(String relative) {
        return contextPath + "/v1/" + relative;
    }

    /** A new job at event 1. */
    static JobRecord create(String id, Stage stage, String detail, Instant now, String source, String sessionId,
            long sessionChunks, String mediaType, String filename, boolean align, boolean diarize, Long uploadLength,
            String owner) {
        return new JobRecord(id, stage, 0, detail, 1, now, now, source, sessionId, sessionChunks, mediaType,
                filename, align, diarize, uploadLength, 0, null, null, 0, null, owner);
    }

    /** The next record: another stage, percent or detail. A final stage sets {@code finishedAt}. */
    JobRecord moved(Stage newStage, int newPercent, String newDetail, Instant now) {
        return new JobRecord(id, newStage, Math.max(0, Math.min(100, newPercent)), newDetail, eventId + 1,
                createdAt, now, source, sessionId, sessionChunks, mediaType, filename, align, diarize, uploadLength,
                uploadOffset, audio, newStage == Stage.FAILED ? error : null, attempts,
                newStage.isFinal() ? now : null, owner);
    }

    JobRecord uploaded(long newOffset, int newPercent, String newDetail, Instant now) {
        return new JobRecord(id, stage, newPercent, newDetail, eventId + 1, createdAt, now, source, sessionId,
                sessionChunks, mediaType, filename, align, diarize, uploadLength, newOffset, audio, error, attempts,
                finishedAt, owner);
    }

    JobRecord withAudio(Audio decoded, Instant now) {
        return new JobRecord(id, stage, percent, detail, eventId + 1, createdAt, now, source, sessionId,
                sessionChunks, mediaType, filename, align, diarize, uploadLength, uploadOffset, decoded, error,
                attempts, finishedAt, owner);
    }

    JobRecord withAttempt() {
        return new JobRecord(id, stage, percent, detail, eventId, createdAt, updatedAt, source, sessionId,
                sessionChunks, mediaType, filename, align, diarize, uploadLength, uploadOffset, audio, error,
                attempts + 1, finishedAt, owner);
    }

    JobRecord failed(JobFailure failure, Instant now) {
        return new JobRecord(id, Stage.FAILED, percent, failure.message(), eventId + 1, createdAt, now, source,
                sessionId, sessionChunks, mediaType, filename, align, diarize, uploadLength, uploadOffset, audio,
                failure, attempts, now, owner);
    }

    /** The strong entity tag of this record, quoted as HTTP wants it. */
    public String etag() {
        return "\"" + id + "." + eventId + "\"";
    }

    /** The record as the API shows it (snake_case), with links; {@link #fromJson} reads it back. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("stage", stage.wireName());
        m.put("percent", percent);
        m.put("detail", detail);
        m.put("event_id", eventId);
        m.put("created_at", createdAt.toString());
        m.put("updated_at", updatedAt.toString());
        if (finishedAt != null) {
            m.put("finished_at", finishedAt.toString());
        }
        m.put("source", source);
        m.put("owner", owner);
        if (sessionId != null) {
            m.put("session_id", sessionId);
            m.put("session_chunks", sessionChunks);
            m.put("next_seq", sessionChunks + uploadOffset + 1);
        }
        if (mediaType != null) {
            m.put("media_type", mediaType);
        }
        if (filename != null) {
            m.put("filename", filename);
        }
        m.put("options", Map.of("align", align, "diarize", diarize));
        Map<String, Object> upload = new LinkedHashMap<>();
        upload.put("length", uploadLength);
        upload.put("offset", uploadOffset);
        m.put("upload", upload);
        if (audio != null) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("container", audio.container());
            a.put("codec", audio.codec());
            a.put("sample_rate", audio.sampleRate());
            a.put("channels", audio.channels());
            a.put("duration_ms", audio.durationMs());
            m.put("audio", a);
        }
        if (error != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("code", error.code());
            e.put("message", error.message());
            e.put("detail", error.detail());
            e.put("retryable", error.retryable());
            m.put("error", e);
        }
        m.put("attempts", attempts);
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("self", link("jobs/" + id));
        links.put("transcript", link("jobs/" + id + "/transcript"));
        links.put("events", link("jobs/" + id + "/events"));
        if ("tus".equals(source)) {
            links.put("upload", link("uploads/" + id));
        }
        if ("session".equals(source)) {
            links.put("tail", link("jobs/" + id + "/tail"));
        }
        m.put("links", links);
        return m;
    }

    /** Reads a record written by {@link #toJson}. */
    static JobRecord fromJson(JsonNode n) {
        JsonNode a = n.path("audio");
        JsonNode e = n.path("error");
        JsonNode u = n.path("upload");
        return new JobRecord(n.path("id").asText(), Stage.fromWire(n.path("stage").asText()),
                n.path("percent").asInt(), n.path("detail").asText(""), n.path("event_id").asLong(),
                Instant.parse(n.path("created_at").asText()), Instant.parse(n.path("updated_at").asText()),
                n.path("source").asText(), text(n, "session_id"), n.path("session_chunks").asLong(),
                text(n, "media_type"), text(n, "filename"), n.path("options").path("align").asBoolean(),
                n.path("options").path("diarize").asBoolean(),
                u.path("length").isNumber() ? u.path("length").asLong() : null, u.path("offset").asLong(),
                a.isObject() ? new Audio(a.path("container").asText(), a.path("codec").asText(),
                        a.path("sample_rate").asInt(), a.path("channels").asInt(), a.path("duration_ms").asLong())
                        : null,
                e.isObject() ? new JobFailure(e.path("code").asText(), e.path("message").asText(),
                        e.path("detail").asText(""), e.path("retryable").asBoolean()) : null,
                n.path("attempts").asInt(), n.hasNonNull("finished_at") ? Instant.parse(n.path("finished_at").asText())
                        : null,
                text(n, "owner"));
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.path(field).asText() : null;
    }
}
