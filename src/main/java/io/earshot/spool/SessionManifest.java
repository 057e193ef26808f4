package io.earshot.spool;

import io.earshot.security.Access;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What a session records about itself so that it can be restored, downloaded or handed to a job: its format,
 * owner, limits and where it stood. How it is stored is the store's business ({@link ManifestFile} for files).
 * Fields an older server did not write are null (limits) or 0.
 *
 * @param ownerName          who started the session, or null when the manifest does not say (anonymous)
 * @param resumeTokenSha256  the SHA-256 of the resume token, lower-case hex; the token itself is never stored
 */
public record SessionManifest(String sessionId, Instant createdAt, String client, String ownerName, String codec,
        int sampleRate, int channels, String durability, boolean ended, String endReason, long lastSeq, int attempts,
        long bytes, String resumeTokenSha256, boolean transcribe, Limits limits, long lastEventSeq,
        long badAudioChunks, String jobId, Instant detachedAt, Instant endedAt) {

    /** The limits the session negotiated; null where the manifest does not hold one. */
    public record Limits(Long maxSessionDurationMs, Long idleTimeoutMs, Long resumeGraceMs, Long heartbeatIntervalMs) {
    }

    /** Who started the session ({@link Access#ANONYMOUS} when the manifest does not say: older sessions). */
    public String owner() {
        return ownerName == null ? Access.ANONYMOUS : ownerName;
    }

    /**
     * Whether {@code token} is this session's resume token and {@code caller} the identity that started it: the
     * one check before a session's stored audio is restored, served or handed off.
     */
    public boolean admits(String token, String caller) {
        if (resumeTokenSha256 == null || !resumeTokenSha256.matches("[0-9a-f]{64}") || token == null) {
            return false;
        }
        return MessageDigest.isEqual(tokenHash(token), HexFormat.of().parseHex(resumeTokenSha256))
                && owner().equals(caller);
    }

    /** The SHA-256 of a resume token, as the manifest keeps it. */
    public static byte[] tokenHash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
