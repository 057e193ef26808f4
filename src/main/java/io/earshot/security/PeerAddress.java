package io.earshot.security;

import jakarta.websocket.Session;
import java.lang.reflect.Method;

/**
 * The network address of a WebSocket peer: the client that limits are counted for when there is no
 * authenticated identity (authentication off, or credentials refused). The Jakarta WebSocket API does not
 * expose it, so it is read from the container's session where the container offers it (Tyrus, as in Payara
 * and GlassFish), else "unknown" (all such clients share one limit).
 */
public final class PeerAddress {

    private PeerAddress() {
    }

    public static String of(Session ws) {
        Object fromProps = ws.getUserProperties().get("jakarta.websocket.endpoint.remoteAddress");
        if (fromProps != null) {
            return String.valueOf(fromProps);
        }
        try {
            Method m = ws.getClass().getMethod("getRemoteAddr");
            Object addr = m.invoke(ws);
            if (addr != null) {
                return String.valueOf(addr);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Not Tyrus: fall through.
        }
        return "unknown";
    }
}
