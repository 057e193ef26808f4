package io.earshot.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who a request comes from. Servers present an API key (configured only as its SHA-256, under a name); browsers,
 * which cannot set headers on a WebSocket, present a short-lived token minted with an API key by
 * {@code POST /v1/tokens}: {@code et1.<payload>.<signature>}, the payload naming the key's identity, the scopes
 * and the expiry, signed with HMAC-SHA256 under a server secret. A token can never grant more than the key that
 * minted it, and a key's secret never appears in a token.
 */
public final class Authenticator {

    /** What a token or key may do. */
    public static final Set<String> SCOPES = Set.of("stream", "jobs");

    private static final String TOKEN_PREFIX = "et1.";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /** A caller: its identity (the key's name) and what it may do; {@code viaToken} when it showed a token. */
    public record Identity(String name, Set<String> scopes, boolean viaToken) {
        public boolean may(String scope) {
            return scopes.contains(scope);
        }
    }

    private final Map<String, byte[]> keyHashes;
    private final byte[] secret;
    private final LongSupplier clockMillis;

    /**
     * @param keys   {@code name=sha256hex} entries (the hash of each API key, lower-case hex)
     * @param secret the token signing secret; tokens die with it
     */
    public Authenticator(List<String> keys, byte[] secret, LongSupplier clockMillis) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String entry : keys) {
            int eq = entry.indexOf('=');
            String name = eq < 0 ? "" : entry.substring(0, eq).trim();
            String hash = eq < 0 ? "" : entry.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            if (!name.matches("[A-Za-z][A-Za-z0-9._-]{0,63}") || !hash.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("an API key entry must be name=<sha256 of the key in hex>, "
                        + "the name 1-64 letters, digits, '.', '_' or '-', starting with a letter");
            }
            if (name.equals(Access.ANONYMOUS)) {
                throw new IllegalArgumentException("'" + Access.ANONYMOUS + "' is reserved for earshot.auth.mode=none");
            }
            if (m.put(name, HexFormat.of().parseHex(hash)) != null) {
                throw new IllegalArgumentException("API key name " + name + " appears twice");
            }
        }
        if (secret.length < 32) {
            throw new IllegalArgumentException("the token secret must be at least 32 bytes");
        }
        this.keyHashes = Map.copyOf(m);
        this.secret = secret.clone();
        this.clockMillis = clockMillis;
    }

    /** A random secret, for a server whose tokens need not survive a restart. */
    public static byte[] randomSecret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** The hex SHA-256 of a key, as it goes into the configuration. */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** The expiry (epoch seconds) a token minted here carries; -1 when it is not such a token. */
    static long expiry(String token) {
        try {
            String body = token.substring(TOKEN_PREFIX.length(), token.indexOf('.', TOKEN_PREFIX.length()));
            String[] f = new String(B64D.decode(body), StandardCharsets.UTF_8).split("\\|", -1);
            return Long.parseLong(f[2]);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Whether a credential has a token's form (not whether it is valid). */
    public static boolean looksLikeToken(String credential) {
        return credential.startsWith(TOKEN_PREFIX);
    }

    /** The caller a bearer credential (an API key or a token) stands for, or null when it stands for none. */
    public Identity verify(String credential) {
        if (credential == null || credential.isEmpty() || credential.length() > 4_096) {
            return null;
        }
        if (credential.startsWith(TOKEN_PREFIX)) {
            return verifyToken(credential);
        }
        byte[] presented = sha256(credential.getBytes(StandardCharsets.UTF_8));
        String match = null;
        for (Map.Entry<String, byte[]> e : keyHashes.entrySet()) {
            // every entry compared, in constant time: no timing tells which key came close
            if (MessageDigest.isEqual(presented, e.getValue()) && match == null) {
                match = e.getKey();
            }
        }
        return match == null ? null : new Identity(match, SCOPES, false);
    }

    /**
     * A token for {@code who} (a key's identity, not a token's: tokens are not minted from tokens), with
     * {@code scopes} (a subset of the identity's) and a lifetime of {@code ttlSeconds}.
     */
    public String mint(Identity who, Set<String> scopes, long ttlSeconds) {
        if (who.viaToken()) {
            throw new IllegalArgumentException("tokens are minted with an API key, not with a token");
        }
        if (!who.scopes().containsAll(scopes) || scopes.isEmpty()) {
            throw new IllegalArgumentException("scopes must be a non-empty subset of " + who.scopes());
        }
        long exp = clockMillis.getAsLong() / 1000 + ttlSeconds;
        String payload = who.name() + "|" + String.join(",", new TreeSet<>(scopes)) + "|" + exp;
        String body = B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return TOKEN_PREFIX + body + "." + B64.encodeToString(sign(body));
    }

    private Identity verifyToken(String token) {
        String rest = token.substring(TOKEN_PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String body = rest.substring(0, dot);
        byte[] signature;
        String payload;
        try {
            signature = B64D.decode(rest.substring(dot + 1));
            payload = new String(B64D.decode(body), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!MessageDigest.isEqual(sign(body), signature)) {
            return null;
        }
        String[] f = payload.split("\\|", -1);
        if (f.length != 3 || !keyHashes.containsKey(f[0])) {
            return null; // the key that minted it is no longer configured
        }
        long exp;
        try {
            exp = Long.parseLong(f[2]);
        } catch (NumberFormatException e) {
            return null;
        }
        if (clockMillis.getAsLong() / 1000 >= exp) {
            return null;
        }
        List<String> scopes = new ArrayList<>(List.of(f[1].split(",")));
        scopes.retainAll(SCOPES);
        return new Identity(f[0], Set.copyOf(scopes), true);
    }

    private byte[] sign(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by the Java platform", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
