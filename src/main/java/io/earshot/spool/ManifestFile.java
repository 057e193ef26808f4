package io.earshot.spool;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code session.json}: the one class that writes a {@link SessionManifest} to a file and reads it back. */
final class ManifestFile {

    static final String NAME = "session.json";

    private ManifestFile() {
    }

    /** Replaces the manifest atomically: a reader sees the old one or the new one, never half of either. */
    static void write(Path dir, SessionManifest m) throws IOException {
        write(dir, toMap(m));
    }

    static void write(Path dir, Map<String, Object> fields) throws IOException {
        Path tmp = dir.resolve(NAME + ".tmp");
        Files.writeString(tmp, Json.write(fields), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The manifest in {@code dir}, or empty when there is none. */
    static Optional<SessionManifest> read(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode m = Json.mapper().readTree(Files.readString(file));
        JsonNode l = m.path("limits");
        return Optional.of(new SessionManifest(text(m, "session_id"), instant(m, "created_at"), text(m, "client"),
                text(m, "owner"), m.path("codec").asText(""), m.path("sample_rate").asInt(0),
                m.path("channels").asInt(0), m.path("durability").asText(""), "ended".equals(m.path("state").asText()),
                text(m, "end_reason"), m.path("last_seq").asLong(0), m.path("attempts").asInt(1),
                m.path("bytes").asLong(0), m.path("resume_token_sha256").asText(""),
                m.path("transcribe").asBoolean(false),
                new SessionManifest.Limits(number(l, "max_session_duration_ms"), number(l, "idle_timeout_ms"),
                        number(l, "resume_grace_ms"), number(l, "heartbeat_interval_ms")),
                m.path("last_event_seq").asLong(0), m.path("bad_audio_chunks").asLong(0), text(m, "job_id"),
                instant(m, "detached_at"), instant(m, "ended_at")));
    }

    /** Field order and null fields as the format has always had them: files written before read the same. */
    private static Map<String, Object> toMap(SessionManifest s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", s.sessionId());
        m.put("created_at", s.createdAt().toString());
        m.put("client", s.client());
        m.put("owner", s.ownerName());
        m.put("codec", s.codec());
        m.put("sample_rate", s.sampleRate());
        m.put("channels", s.channels());
        m.put("durability", s.durability());
        m.put("state", s.ended() ? "ended" : "active");
        m.put("end_reason", s.endReason());
        m.put("last_seq", s.lastSeq());
        m.put("attempts", s.attempts());
        m.put("bytes", s.bytes());
        m.put("resume_token_sha256", s.resumeTokenSha256());
        m.put("transcribe", s.transcribe());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_session_duration_ms", s.limits().maxSessionDurationMs());
        limits.put("idle_timeout_ms", s.limits().idleTimeoutMs());
        limits.put("resume_grace_ms", s.limits().resumeGraceMs());
        limits.put("heartbeat_interval_ms", s.limits().heartbeatIntervalMs());
        m.put("limits", limits);
        m.put("last_event_seq", s.lastEventSeq());
        m.put("bad_audio_chunks", s.badAudioChunks());
        m.put("job_id", s.jobId());
        m.put("detached_at", s.detachedAt() == null ? null : s.detachedAt().toString());
        m.put("ended_at", s.endedAt() == null ? null : s.endedAt().toString());
        return m;
    }

    private static String text(JsonNode m, String field) {
        return m.hasNonNull(field) ? m.path(field).asText() : null;
    }

    private static Long number(JsonNode m, String field) {
        return m.hasNonNull(field) ? m.path(field).asLong() : null;
    }

    private static Instant instant(JsonNode m, String field) {
        return m.hasNonNull(field) ? Instant.parse(m.path(field).asText()) : null;
    }
}
