package io.earshot.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final byte[] secret = Authenticator.randomSecret();
    private final Authenticator auth = new Authenticator(List.of("recorder=" + Authenticator.hash("key-one"),
            "captions=" + Authenticator.hash("key-two")), secret, now::get);

    @Test
    void apiKeysByTheirHash() {
        Authenticator.Identity one = auth.verify("key-one");
        assertEquals("recorder", one.name());
        assertFalse(one.viaToken());
        assertTrue(one.may("stream") && one.may("jobs"));
        assertEquals("captions", auth.verify("key-two").name());
        assertNull(auth.verify("key-three"));
        assertNull(auth.verify(""));
        assertNull(auth.verify(null));
        assertNull(auth.verify(Authenticator.hash("key-one")), "the hash itself is not the key");
    }

    @Test
    void tokensCarryIdentityScopesAndExpiry() {
        Authenticator.Identity key = auth.verify("key-one");
        String token = auth.mint(key, Set.of("stream"), 300);
        assertTrue(token.startsWith("et1."));
        assertFalse(token.contains("key-one"));
        Authenticator.Identity t = auth.verify(token);
        assertEquals("recorder", t.name());
        assertTrue(t.viaToken() && t.may("stream") && !t.may("jobs"));
        now.addAndGet(299_000);
        assertTrue(auth.verify(token) != null);
        now.addAndGet(1_000);
        assertNull(auth.verify(token), "expired");
    }

    @Test
    void forgedAlteredOrForeignTokensAreRefused() {
        String token = auth.mint(auth.verify("key-one"), Set.of("stream"), 300);
        String[] p = token.split("\\.");
        String otherBody = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "captions|jobs,stream|99999999999".getBytes());
        assertNull(auth.verify(p[0] + "." + otherBody + "." + p[2]), "a payload swapped under the signature");
        assertNull(auth.verify(token.substring(0, token.length() - 2) + "AA"), "a changed signature");
        assertNull(auth.verify("et1.garbage"));
        assertNull(auth.verify("et1.%%%.%%%"));
        Authenticator other = new Authenticator(List.of("recorder=" + Authenticator.hash("key-one")),
                Authenticator.randomSecret(), now::get);
        assertNull(other.verify(token), "another server's secret");
        Authenticator revoked = new Authenticator(List.of("captions=" + Authenticator.hash("key-two")), secret,
                now::get);
        assertNull(revoked.verify(token), "the minting key is no longer configured");
    }

    @Test
    void tokensGrantNoMoreThanTheirKeyAndAreNotMintedFromTokens() {
        Authenticator.Identity key = auth.verify("key-one");
        assertThrows(IllegalArgumentException.class, () -> auth.mint(key, Set.of("admin"), 60));
        assertThrows(IllegalArgumentException.class, () -> auth.mint(key, Set.of(), 60));
        Authenticator.Identity token = auth.verify(auth.mint(key, Set.of("stream", "jobs"), 60));
        assertThrows(IllegalArgumentException.class, () -> auth.mint(token, Set.of("stream"), 60));
    }

    @Test
    void badConfigurationIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Authenticator(List.of("nohash"), secret, now::get));
        assertThrows(IllegalArgumentException.class, () -> new Authenticator(List.of("a=12"), secret, now::get));
        assertThrows(IllegalArgumentException.class, () -> new Authenticator(List.of("a=" + Authenticator.hash("x"),
                "a=" + Authenticator.hash("y")), secret, now::get));
        assertThrows(IllegalArgumentException.class, () -> new Authenticator(List.of(), new byte[8], now::get));
    }
}
