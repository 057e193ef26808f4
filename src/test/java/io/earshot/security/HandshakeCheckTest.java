package io.earshot.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandshakeCheckTest {

    @Test
    void withoutAListOnlyLoopbackPagesAndNonBrowsersAreAllowed() {
        List<String> none = List.of();
        assertTrue(HandshakeCheck.allowed(null, none), "no Origin: not a web page");
        assertTrue(HandshakeCheck.allowed("", none));
        assertTrue(HandshakeCheck.allowed("http://127.0.0.1:8080", none));
        assertTrue(HandshakeCheck.allowed("http://localhost:3000", none));
        assertTrue(HandshakeCheck.allowed("https://LOCALHOST", none));
        assertTrue(HandshakeCheck.allowed("http://[::1]:8080", none));
        assertFalse(HandshakeCheck.allowed("https://evil.example", none));
        assertFalse(HandshakeCheck.allowed("http://localhost.evil.example", none));
        assertFalse(HandshakeCheck.allowed("http://127.0.0.1.evil.example", none));
        assertFalse(HandshakeCheck.allowed("null", none), "sandboxed pages and files send Origin: null");
        assertFalse(HandshakeCheck.allowed("file://", none));
        assertFalse(HandshakeCheck.allowed("ht tp://bad", none));
    }

    @Test
    void aListAllowsExactlyItsOrigins() {
        List<String> list = EarshotConfig.from(Map.of("earshot.security.allowed-origins",
                " https://App.Example.com/ ,http://localhost:3000")).allowedOrigins;
        assertEquals(List.of("https://app.example.com", "http://localhost:3000"), list);
        assertTrue(HandshakeCheck.allowed("https://app.example.com", list));
        assertTrue(HandshakeCheck.allowed("HTTPS://APP.EXAMPLE.COM", list));
        assertTrue(HandshakeCheck.allowed("http://localhost:3000", list));
        assertFalse(HandshakeCheck.allowed("http://localhost:8080", list), "a list replaces the loopback default");
        assertFalse(HandshakeCheck.allowed("https://app.example.com.evil.example", list));
        assertFalse(HandshakeCheck.allowed("http://app.example.com", list), "the scheme counts");
        assertTrue(HandshakeCheck.allowed(null, list));
    }

    @Test
    void starAllowsAnyAndBadEntriesAreRefusedAtStartup() {
        List<String> any = EarshotConfig.from(Map.of("earshot.security.allowed-origins", "*")).allowedOrigins;
        assertTrue(HandshakeCheck.allowed("https://anything.example", any));
        assertThrows(IllegalArgumentException.class, () -> EarshotConfig.from(Map.of(
                "earshot.security.allowed-origins", "app.example.com")));
        assertThrows(IllegalArgumentException.class, () -> EarshotConfig.from(Map.of(
                "earshot.security.allowed-origins", "https://app.example.com/path")));
    }
}
