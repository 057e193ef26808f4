package io.earshot.protocol;

import jakarta.websocket.DecodeException;

/**
 * A client message that cannot be decoded, carrying the error the client is told about. Thrown by the
 * decoders so that every kind of bad input reaches the endpoint's one error path.
 */
public final class ProtocolDecodeException extends DecodeException {

    private static final long serialVersionUID = 1L;

    private final transient ServerMessage.Error error;

    public ProtocolDecodeException(String text, ServerMessage.Error error) {
        super(text, error.detail());
        this.error = error;
    }

    public ProtocolDecodeException(java.nio.ByteBuffer bytes, ServerMessage.Error error) {
        super(bytes, error.detail());
        this.error = error;
    }

    public ServerMessage.Error error() {
        return error;
    }
}
