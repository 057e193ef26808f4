package io.earshot.protocol;

import jakarta.websocket.Encoder;

/** Encodes {@link ServerMessage}s as JSON text. */
public final class ServerMessageEncoder implements Encoder.Text<ServerMessage> {

    @Override
    public String encode(ServerMessage message) {
        return Json.write(message);
    }
}
