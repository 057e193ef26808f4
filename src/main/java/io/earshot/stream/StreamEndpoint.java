package io.earshot.stream;

import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ProtocolDecodeException;
import io.earshot.protocol.ServerMessage;
import io.earshot.protocol.ServerMessageEncoder;
import io.earshot.security.Access;
import io.earshot.security.Authenticator;
import io.earshot.security.HandshakeCheck;
import io.earshot.security.PeerAddress;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DecodeException;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The streaming endpoint, protocol {@code earshot.v1}: a thin adapter from WebSocket callbacks to {@link Connection}. */
@ServerEndpoint(value = "/v1/stream",
        subprotocols = StreamSession.PROTOCOL,
        decoders = {ConfiguredDecoders.Text.class, ConfiguredDecoders.Binary.class},
        encoders = ServerMessageEncoder.class,
        configurator = HandshakeCheck.class)
public class StreamEndpoint {

    private static final Logger LOG = Logger.getLogger(StreamEndpoint.class.getName());

    @Inject
    SessionRegistry registry;

    /** This connection's state; set in open, read by the container's callback threads. */
    private volatile Connection connection;

    @OnOpen
    public void open(Session ws) {
        ws.setMaxIdleTimeout(0);
        // The decoders enforce the configured limits with a clear error; the container's own buffers are a
        // backstop above them (text limits count characters, the container counts bytes).
        ws.setMaxBinaryMessageBufferSize(registry.config().maxBinaryPayload * 2);
        ws.setMaxTextMessageBufferSize(registry.config().maxTextMessage * 4);
        Access.Outcome access = HandshakeCheck.outcome(ws.getUserProperties());
        Authenticator.Identity who = access instanceof Access.Allowed a
                ? a.who() : null;
        Connection c = registry.open(Access.current().limitKey(who, PeerAddress.of(ws)),
                who == null ? null : who.name(), access instanceof Access.Denied d ? d : null,
                new WebSocketTransport(ws));
        connection = c;
        if (!c.closing() && !StreamSession.PROTOCOL.equals(ws.getNegotiatedSubprotocol())) {
            registry.failAtOpen(c, ServerMessage.Error.of(ErrorCode.PROTOCOL_VERSION_REQUIRED,
                    "Connect with the WebSocket subprotocol \"" + StreamSession.PROTOCOL + "\".",
                    "no supported subprotocol was offered").withSupported(java.util.List.of(StreamSession.PROTOCOL)));
        }
    }

    @OnMessage
    public void text(ClientMessage message) {
        connection.onMessage(message);
    }

    @OnMessage
    public void audio(AudioFrame frame) {
        connection.onAudio(frame);
    }

    @OnMessage
    public void pong(PongMessage pong) {
        connection.heard();
    }

    @OnClose
    public void close(CloseReason reason) {
        Connection c = connection;
        if (c != null) {
            registry.closed(c, "closed " + reason.getCloseCode().getCode());
        }
    }

    @OnError
    public void error(Session ws, Throwable failure) {
        Connection c = connection;
        if (c == null) {
            LOG.log(Level.FINE, "error before open", failure);
            return;
        }
        c.heard();
        if (failure instanceof ProtocolDecodeException bad) {
            if (bad.error().fatal()) {
                c.fail(bad.error());
            } else {
                c.reject(bad.error());
            }
        } else if (failure instanceof DecodeException bad) {
            c.reject(ServerMessage.Error.of(ErrorCode.BAD_MESSAGE, "The message could not be read.",
                    String.valueOf(bad.getMessage())));
        } else if (failure instanceof IOException) {
            LOG.log(Level.FINE, "connection " + c.id() + " I/O failure", failure);
        } else {
            LOG.log(Level.WARNING, "unexpected failure on connection " + c.id(), failure);
            c.reject(ServerMessage.Error.of(ErrorCode.INTERNAL_ERROR,
                    "The server hit an unexpected problem with the last message; the session goes on.",
                    failure.getClass().getSimpleName()));
        }
    }
}
