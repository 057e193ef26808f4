package io.earshot.jobs;

import io.earshot.protocol.CloseCodes;
import io.earshot.security.Access;
import io.earshot.security.HandshakeCheck;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.PathParam;
import jakarta.websocket.server.ServerEndpoint;
import java.util.List;

/**
 * {@code /v1/jobs/{id}/events}: a job's progress records as they change, for one WebSocket client. The
 * query parameter {@code after} (the last {@code event_id} the client saw) makes the server send what the
 * client missed first; without it the client gets every record the server still keeps. Heartbeats every
 * {@code earshot.heartbeat.interval-ms}; the server closes (1000) after sending a final record.
 */
@ServerEndpoint(value = "/v1/jobs/{id}/events", subprotocols = JobEventsEndpoint.PROTOCOL,
        configurator = HandshakeCheck.class)
public class JobEventsEndpoint {

    /**
     * Optional: a client that offers subprotocols (a browser passing its token as {@code earshot.token.<token>}
     * must offer one the server selects, or the browser fails the handshake) offers this one.
     */
    public static final String PROTOCOL = "earshot.jobs.v1";

    private static final int MAX_TEXT = 1_024;

    @Inject
    JobWatchers watchers;

    @OnOpen
    public void open(Session ws, @PathParam("id") String id) {
        ws.setMaxIdleTimeout(0);
        ws.setMaxTextMessageBufferSize(MAX_TEXT);
        ws.setMaxBinaryMessageBufferSize(MAX_TEXT);
        Access.Outcome access = HandshakeCheck.outcome(ws.getUserProperties());
        if (access instanceof Access.Denied denied) {
            if (denied.unauthorized()
                    && Access.current().refused(io.earshot.security.PeerAddress.of(ws)) > 0) {
                watchers.refuse(ws, CloseCodes.TRY_AGAIN_LATER, "rate_limited",
                        "Too many connections with refused credentials from this address; try again later.");
                return;
            }
            watchers.refuse(ws, CloseCodes.POLICY_VIOLATION, denied.code(), denied.message());
            return;
        }
        long after = 0;
        List<String> given = ws.getRequestParameterMap().get("after");
        if (given != null && !given.isEmpty()) {
            try {
                after = Long.parseLong(given.get(0));
            } catch (NumberFormatException e) {
                after = -1;
            }
            if (after < 0) {
                watchers.refuse(ws, JobWatchers.CLOSE_BAD_REQUEST, "bad_request",
                        "after must be an event_id: a whole number, 0 or more.");
                return;
            }
        }
        watchers.subscribe(ws, id, after, ((Access.Allowed) access).who());
    }

    /** {@code {"type":"ping"}} is answered with {@code {"type":"pong"}}; any message shows the client is there. */
    @OnMessage
    public void text(Session ws, String message) {
        watchers.heard(ws, message.contains("\"ping\""));
    }

    @OnMessage
    public void pong(Session ws, PongMessage pong) {
        watchers.heard(ws, false);
    }

    @OnClose
    public void close(Session ws, CloseReason reason) {
        watchers.closed(ws);
    }

    @OnError
    public void error(Session ws, Throwable failure) {
        JobWatchers.log("job events connection failed", failure);
        watchers.closed(ws);
    }
}
