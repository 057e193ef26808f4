package io.earshot.security;

import io.earshot.config.EarshotConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The checks of a WebSocket handshake: the page's origin, and the caller's credentials.
 *
 * <p>Credentials ({@link Access}) are read here, where the handshake's headers are, and their outcome is handed
 * to the endpoint's {@code @OnOpen} through the connection's user properties under {@link #OUTCOME} (per
 * connection since Jakarta WebSocket 2.1). A refused credential does not refuse the handshake: the endpoint
 * accepts it, sends the error ({@code unauthorized} or {@code forbidden}) and closes with 1008, because a browser
 * shows a page nothing of a refused handshake, not even its status, and a client that cannot tell "bad token"
 * from "server down" retries for ever.
 *
 * <p>Origins: refuses WebSocket handshakes from web pages of other sites (cross-site WebSocket hijacking: a page on any site
 * can open a WebSocket to Earshot from a visitor's browser, and the browser sends no CORS preflight for it). The
 * container answers a refused handshake with 403.
 *
 * <p>{@code earshot.security.allowed-origins}: a comma-separated list of origins
 * ({@code https://app.example.com}), or {@code *} for any. Without it, only pages served from a loopback address
 * are allowed (a browser on the same machine, as in development). A handshake without an {@code Origin} header
 * does not come from a web page (servers, command-line clients, mobile apps) and is always allowed here: such
 * clients are for authentication to tell apart.
 */
public class HandshakeCheck extends ServerEndpointConfig.Configurator {

    private static final Logger LOG = Logger.getLogger(HandshakeCheck.class.getName());

    /** The user property holding the {@link Access.Outcome} of the handshake's credentials. */
    public static final String OUTCOME = "io.earshot.access";

    @Override
    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
        String scope = sec.getPath().startsWith("/v1/jobs") ? Access.SCOPE_JOBS : Access.SCOPE_STREAM;
        Map<String, List<String>> headers = request.getHeaders();
        List<String> offered = new ArrayList<>();
        for (String value : header(headers, "Sec-WebSocket-Protocol")) {
            for (String p : value.split(",")) {
                if (!p.isBlank()) {
                    offered.add(p.trim());
                }
            }
        }
        List<String> authorization = header(headers, "Authorization");
        List<String> query = request.getParameterMap().get(Access.TOKEN_PARAM);
        sec.getUserProperties().put(OUTCOME, Access.current().check(
                authorization.isEmpty() ? null : authorization.get(0),
                query == null || query.isEmpty() ? null : query.get(0), offered, scope));
    }

    /** The outcome {@link #modifyHandshake} left for this connection (a refusal if it left none). */
    public static Access.Outcome outcome(Map<String, Object> userProperties) {
        Object o = userProperties.get(OUTCOME);
        return o instanceof Access.Outcome outcome ? outcome
                : new Access.Denied("unauthorized", "The credentials of this connection were not checked.");
    }

    private static List<String> header(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && e.getValue() != null) {
                return e.getValue();
            }
        }
        return List.of();
    }

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
