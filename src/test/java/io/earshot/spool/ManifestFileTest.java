package io.earshot.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code session.json}: the same bytes as the servers before wrote, and read back whole. */
class ManifestFileTest {

    /** Written by the server before the manifest had a class of its own (StreamSession.writeMetadata). */
    private static final String BEFORE = "{\"session_id\":\"s_1\",\"created_at\":\"2026-01-01T00:00:00Z\","
            + "\"client\":\"key:alice\",\"owner\":\"alice\",\"codec\":\"opus\",\"sample_rate\":48000,\"channels\":1,"
            + "\"durability\":\"disk\",\"state\":\"ended\",\"end_reason\":\"client_end\",\"last_seq\":42,"
            + "\"attempts\":2,\"bytes\":4200,\"resume_token_sha256\":\"" + "ab".repeat(32) + "\","
            + "\"transcribe\":true,\"limits\":{\"max_session_duration_ms\":3600000,\"idle_timeout_ms\":300000,"
            + "\"resume_grace_ms\":120000,\"heartbeat_interval_ms\":30000},\"last_event_seq\":7,"
            + "\"bad_audio_chunks\":1,\"job_id\":\"j_9\",\"detached_at\":\"2026-01-01T00:01:00Z\","
            + "\"ended_at\":\"2026-01-01T00:02:00Z\"}";

    @TempDir
    Path dir;

    private static SessionManifest sample() {
        return new SessionManifest("s_1", Instant.parse("2026-01-01T00:00:00Z"), "key:alice", "alice", "opus",
                48000, 1, "disk", true, "client_end", 42, 2, 4200, "ab".repeat(32), true,
                new SessionManifest.Limits(3_600_000L, 300_000L, 120_000L, 30_000L), 7, 1, "j_9",
                Instant.parse("2026-01-01T00:01:00Z"), Instant.parse("2026-01-01T00:02:00Z"));
    }

    @Test
    void writesTheSameBytesAsBefore() throws Exception {
        ManifestFile.write(dir, sample());

        assertEquals(BEFORE, Files.readString(dir.resolve(ManifestFile.NAME)));
    }

    @Test
    void readsWhatTheServersBeforeWrote() throws Exception {
        Files.writeString(dir.resolve(ManifestFile.NAME), BEFORE);

        assertEquals(sample(), ManifestFile.read(dir).orElseThrow());
    }

    @Test
    void anActiveSessionWithoutEndOrJobReadsBackTheSame() throws Exception {
        SessionManifest active = new SessionManifest("s_2", Instant.parse("2026-01-01T00:00:00Z"), "c", "o",
                "pcm_s16le", 16000, 1, "os", false, null, 0, 1, 0, "00".repeat(32), false,
                new SessionManifest.Limits(1L, 2L, 3L, 4L), 0, 0, null, null, null);

        ManifestFile.write(dir, active);

        String text = Files.readString(dir.resolve(ManifestFile.NAME));
        assertTrue(text.contains("\"state\":\"active\""), text);
        assertEquals(active, ManifestFile.read(dir).orElseThrow());
    }

    @Test
    void aManifestWithoutOwnerOrLimitsIsAnOlderSessionsOfTheAnonymousCaller() throws Exception {
        Files.writeString(dir.resolve(ManifestFile.NAME), "{\"session_id\":\"s_3\",\"created_at\":"
                + "\"2026-01-01T00:00:00Z\",\"codec\":\"pcm_s16le\",\"sample_rate\":16000,\"channels\":1,"
                + "\"durability\":\"os\",\"state\":\"active\"}");

        SessionManifest m = ManifestFile.read(dir).orElseThrow();

        assertEquals("anonymous", m.owner());
        assertNull(m.limits().idleTimeoutMs());
        assertEquals(1, m.attempts());
    }

    @Test
    void noManifestReadsAsEmpty() throws Exception {
        assertTrue(ManifestFile.read(dir).isEmpty());
    }

    @Test
    void admitsOnlyTheTokenItHashesAndTheOwnerItNames() {
        String hash = HexFormat.of().formatHex(SessionManifest.tokenHash("secret"));
        SessionManifest m = new SessionManifest("s", Instant.EPOCH, "c", "alice", "opus", 48000, 1, "os", false, null,
                0, 1, 0, hash, false, new SessionManifest.Limits(null, null, null, null), 0, 0, null, null, null);

        assertTrue(m.admits("secret", "alice"));
        assertFalse(m.admits("secret", "bob"));
        assertFalse(m.admits("guess", "alice"));
        assertFalse(m.admits(null, "alice"));
    }
}
