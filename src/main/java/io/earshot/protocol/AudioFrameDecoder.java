package io.earshot.protocol;

import jakarta.websocket.DecodeException;
import jakarta.websocket.Decoder;
import java.nio.ByteBuffer;

/**
 * Decodes binary WebSocket messages into {@link AudioFrame}s, refusing any larger than its limit. The container
 * instantiates decoders with no arguments: the endpoint names a subclass that passes the configured limit.
 */
public class AudioFrameDecoder implements Decoder.Binary<AudioFrame> {

    private final int limit;

    /** @param limit most bytes a binary message may have ({@code earshot.limits.max-binary-payload}) */
    public AudioFrameDecoder(int limit) {
        this.limit = limit;
    }

    @Override
    public AudioFrame decode(ByteBuffer bytes) throws DecodeException {
        if (bytes.remaining() > limit) {
            throw new ProtocolDecodeException(ByteBuffer.allocate(0), ServerMessage.Error.of(
                    ErrorCode.PAYLOAD_TOO_LARGE, "A binary frame was larger than the server accepts; send smaller frames.",
                    bytes.remaining() + " bytes, limit earshot.limits.max-binary-payload=" + limit));
        }
        try {
            return AudioFrame.parse(bytes);
        } catch (AudioFrame.FrameFormatException e) {
            throw new ProtocolDecodeException(bytes, ServerMessage.Error.of(ErrorCode.BAD_FRAME,
                    "A binary message did not follow the audio frame layout; it was dropped.", e.getMessage()));
        }
    }

    @Override
    public boolean willDecode(ByteBuffer bytes) {
        return true;
    }
}
