package io.earshot.stream;

import io.earshot.protocol.ServerMessage;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** {@link Outbound.Transport} over a Jakarta WebSocket session, using its asynchronous remote. */
final class WebSocketTransport implements Outbound.Transport {

    private static final ByteBuffer PING_PAYLOAD = ByteBuffer.wrap(new byte[] {'e', 's'});

    private final Session ws;

    WebSocketTransport(Session ws) {
        this.ws = ws;
    }

    @Override
    public void send(ServerMessage message, Consumer<Throwable> done) {
        ws.getAsyncRemote().sendObject(message, result -> done.accept(result.isOK() ? null : result.getException()));
    }

    @Override
    public void ping() {
        try {
            ws.getAsyncRemote().sendPing(PING_PAYLOAD.duplicate());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close(int code, String reason) {
        try {
            ws.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException | IllegalStateException e) {
            // Already closed or closing: nothing more to do.
        }
    }
}
