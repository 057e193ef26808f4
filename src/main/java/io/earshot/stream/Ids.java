package io.earshot.stream;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/** Random identifiers and resume tokens, and the constant-time check of a presented token. */
final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Ids() {
    }

    /** A session id: {@code s_} and 128 random bits. */
    static String sessionId() {
        return "s_" + random(16);
    }

    /** A connection id: {@code c_} and 72 random bits (only for logs). */
    static String connectionId() {
        return "c_" + random(9);
    }

    /** A resume token: 256 random bits. Only its hash is kept. */
    static String resumeToken() {
        return random(32);
    }

    static byte[] hash(String token) {
        return io.earshot.spool.SessionManifest.tokenHash(token);
    }

    static boolean matches(String presented, byte[] expectedHash) {
        return presented != null && MessageDigest.isEqual(hash(presented), expectedHash);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }
}
