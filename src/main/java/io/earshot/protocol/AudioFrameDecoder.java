package io.earshot.protocol;

import io.earshot.config.EarshotConfig;
import jakarta.websocket.DecodeException;
import jakarta.websocket.Decoder;
import java.nio.ByteBuffer;

/** Decodes binary WebSocket messages into {@link AudioFrame}s. */
public final class AudioFrameDecoder implements Decoder.Binary<AudioFrame> {

    @Override
    public AudioFrame decode(ByteBuffer bytes) throws DecodeException {
        int limit = EarshotConfig.current().maxBinaryPayload;
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
