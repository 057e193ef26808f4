package io.earshot.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginCheckTest {

    @Test
    void withoutAListOnlyLoopbackPagesAndNonBrowsersAreAllowed() {
        List<String> none = List.of();
        assertTrue(OriginCheck.allowed(null, none), "no Origin: not a web page");
        assertTrue(OriginCheck.allowed("", none));
        assertTrue(OriginCheck.allowed("http://127.0.0.1:8080", none));
        assertTrue(OriginCheck.allowed("http://localhost:3000", none));
        assertTrue(OriginCheck.allowed("https://LOCALHOST", none));
        assertTrue(OriginCheck.allowed("http://[::1]:8080", none));
        assertFalse(OriginCheck.allowed("https://evil.example", none));
        assertFalse(OriginCheck.allowed("http://localhost.evil.example", none));
        assertFalse(OriginCheck.allowed("http://127.0.0.1.evil.example", none));
        assertFalse(OriginCheck.allowed("null", none), "sandboxed pages and files send Origin: null");
        assertFalse(OriginCheck.allowed("file://", none));
        assertFalse(OriginCheck.allowed("ht tp://bad", none));
    }

    @Test
    void aListAllowsExactlyItsOrigins() {
        List<String> list = EarshotConfig.from(Map.of("earshot.security.allowed-origins",
                " https://App.Example.com/ ,http://localhost:3000")).allowedOrigins;
        assertEquals(List.of("https://app.example.com", "http://localhost:3000"), list);
        assertTrue(OriginCheck.allowed("https://app.example.com", list));
        assertTrue(OriginCheck.allowed("HTTPS://APP.EXAMPLE.COM", list));
        assertTrue(OriginCheck.allowed("http://localhost:3000", list));
        assertFalse(OriginCheck.allowed("http://localhost:8080", list), "a list replaces the loopback default");
        assertFalse(OriginCheck.allowed("https://app.example.com.evil.example", list));
        assertFalse(OriginCheck.allowed("http://app.example.com", list), "the scheme counts");
        assertTrue(OriginCheck.allowed(null, list));
    }

    @Test
    void starAllowsAnyAndBadEntriesAreRefusedAtStartup() {
        List<String> any = EarshotConfig.from(Map.of("earshot.security.allowed-origins", "*")).allowedOrigins;
        assertTrue(OriginCheck.allowed("https://anything.example", any));
        assertThrows(IllegalArgumentException.class, () -> EarshotConfig.from(Map.of(
                "earshot.security.allowed-origins", "app.example.com")));
        assertThrows(IllegalArgumentException.class, () -> EarshotConfig.from(Map.of(
                "earshot.security.allowed-origins", "https://app.example.com/path")));
    }
}
