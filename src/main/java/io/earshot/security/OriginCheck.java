package io.earshot.security;

import io.earshot.config.EarshotConfig;
import jakarta.websocket.server.ServerEndpointConfig;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Refuses WebSocket handshakes from web pages of other sites (cross-site WebSocket hijacking: a page on any site
 * can open a WebSocket to Earshot from a visitor's browser, and the browser sends no CORS preflight for it). The
 * container answers a refused handshake with 403.
 *
 * <p>{@code earshot.security.allowed-origins}: a comma-separated list of origins
 * ({@code https://app.example.com}), or {@code *} for any. Without it, only pages served from a loopback address
 * are allowed (a browser on the same machine, as in development). A handshake without an {@code Origin} header
 * does not come from a web page (servers, command-line clients, mobile apps) and is always allowed here: such
 * clients are for authentication to tell apart.
 */
public class OriginCheck extends ServerEndpointConfig.Configurator {

    private static final Logger LOG = Logger.getLogger(OriginCheck.class.getName());

    @Override
    public boolean checkOrigin(String origin) {
        boolean allowed = allowed(origin, EarshotConfig.current().allowedOrigins);
        if (!allowed) {
            LOG.fine(() -> "WebSocket handshake refused: origin not allowed");
        }
        return allowed;
    }

    /** Whether a page of {@code origin} may open a WebSocket, by the list (empty: loopback pages only). */
    static boolean allowed(String origin, List<String> allowedOrigins) {
        if (origin == null || origin.isBlank()) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (allowedOrigins.contains("*")) {
            return true;
        }
        if (!allowedOrigins.isEmpty()) {
            return allowedOrigins.contains(o);
        }
        try {
            URI u = URI.create(o);
            String host = u.getHost();
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && host != null
                    && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]")
                            || host.equals("::1"));
        } catch (IllegalArgumentException e) {
            return false; // "null" (sandboxed pages, files) and anything malformed
        }
    }
}
