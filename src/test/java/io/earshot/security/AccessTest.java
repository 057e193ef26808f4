package io.earshot.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AccessTest {

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final Access keys = new Access(EarshotConfig.from(Map.of("earshot.auth.mode", "keys",
            "earshot.auth.keys", "recorder=" + Authenticator.hash("key-one") + ", captions="
                    + Authenticator.hash("key-two"),
            "earshot.auth.token-secret", "0123456789abcdef0123456789abcdef")), now::get);

    private Authenticator.Identity allowed(Access.Outcome o) {
        return assertInstanceOf(Access.Allowed.class, o).who();
    }

    private Access.Denied denied(Access.Outcome o) {
        return assertInstanceOf(Access.Denied.class, o);
    }

    @Test
    void apiKeysOnlyInTheAuthorizationHeader() {
        assertEquals("recorder", allowed(keys.check("Bearer key-one", null, List.of(), "stream")).name());
        assertEquals("captions", allowed(keys.check("bearer   key-two ", null, List.of(), "jobs")).name());
        assertTrue(denied(keys.check("Basic a2V5LW9uZQ==", null, List.of(), "stream")).unauthorized());
        assertTrue(denied(keys.check("Bearer key-three", null, List.of(), "stream")).unauthorized());
        assertTrue(denied(keys.check(null, null, List.of(), "stream")).unauthorized());
        Access.Denied inUrl = denied(keys.check(null, "key-one", List.of(), "stream"));
        assertTrue(inUrl.message().contains("never an API key"), inUrl::message);
        denied(keys.check(null, null, List.of("earshot.v1", "earshot.token.key-one"), "stream"));
    }

    @Test
    void tokensInTheHeaderTheQueryOrASubprotocolWithTheirScopes() {
        Authenticator.Identity recorder = allowed(keys.check("Bearer key-one", null, List.of(), null));
        Access.Minted minted = keys.mint(recorder, Set.of("stream"), 300);
        String streamOnly = minted.token();
        assertEquals(now.get() / 1000 + 300, minted.expiresAt().getEpochSecond());
        assertEquals("recorder", allowed(keys.check("Bearer " + streamOnly, null, List.of(), "stream")).name());
        assertEquals("recorder", allowed(keys.check(null, streamOnly, List.of(), "stream")).name());
        assertEquals("recorder", allowed(keys.check(null, null,
                List.of("earshot.v1", Access.TOKEN_SUBPROTOCOL_PREFIX + streamOnly), "stream")).name());
        Access.Denied noScope = denied(keys.check(null, streamOnly, List.of(), "jobs"));
        assertFalse(noScope.unauthorized());
        assertEquals("forbidden", noScope.code());
        now.addAndGet(300_000);
        assertTrue(denied(keys.check(null, streamOnly, List.of(), "stream")).unauthorized(), "expired");
    }

    @Test
    void theSameSecretMakesTokensValidAcrossServers() {
        Access other = new Access(EarshotConfig.from(Map.of("earshot.auth.keys", "recorder="
                + Authenticator.hash("key-one"), "earshot.auth.token-secret", "0123456789abcdef0123456789abcdef")),
                now::get);
        String t = keys.mint(allowed(keys.check("Bearer key-one", null, List.of(), null)), Set.of("jobs"), 60).token();
        assertEquals("recorder", allowed(other.check("Bearer " + t, null, List.of(), "jobs")).name());
        Access random = new Access(EarshotConfig.from(Map.of("earshot.auth.keys", "recorder="
                + Authenticator.hash("key-one"))), now::get);
        denied(random.check("Bearer " + t, null, List.of(), "jobs"));
    }

    @Test
    void withoutAuthenticationEveryoneIsAnonymousAndLimitsGoByAddress() {
        Access none = new Access(EarshotConfig.from(Map.of("earshot.auth.mode", "none")), now::get);
        assertFalse(none.required());
        Authenticator.Identity who = allowed(none.check(null, null, List.of(), "jobs"));
        assertEquals(Access.ANONYMOUS, who.name());
        assertEquals(Access.ANONYMOUS, allowed(none.check("Bearer whatever", null, List.of(), "stream")).name());
        assertEquals("10.0.0.7", none.limitKey(who, "10.0.0.7"));
        assertTrue(none.owns(who, null), "records made before authentication");
        Authenticator.Identity recorder = allowed(keys.check("Bearer key-one", null, List.of(), "stream"));
        assertEquals("recorder", keys.limitKey(recorder, "10.0.0.7"));
        assertEquals("10.0.0.7", keys.limitKey(null, "10.0.0.7"));
        assertTrue(keys.owns(recorder, "recorder"));
        assertFalse(keys.owns(recorder, "captions"));
        assertFalse(keys.owns(recorder, null));
        assertFalse(keys.owns(null, "recorder"));
    }

    @Test
    void badSettingsAreRefusedAtStartup() {
        assertThrows(IllegalArgumentException.class, () -> EarshotConfig.from(Map.of("earshot.auth.mode", "off")));
        assertThrows(IllegalArgumentException.class, () -> EarshotConfig.from(Map.of("earshot.auth.token-secret",
                "short")));
        assertThrows(IllegalArgumentException.class, () -> new Access(EarshotConfig.from(Map.of(
                "earshot.auth.keys", "recorder=not-a-hash")), now::get));
        assertThrows(IllegalArgumentException.class, () -> new Access(EarshotConfig.from(Map.of(
                "earshot.auth.keys", "anonymous=" + Authenticator.hash("x"))), now::get));
        assertThrows(IllegalArgumentException.class, () -> new Access(EarshotConfig.from(Map.of(
                "earshot.auth.keys", "10.0.0.1=" + Authenticator.hash("x"))), now::get), "names start with a letter");
    }
}
