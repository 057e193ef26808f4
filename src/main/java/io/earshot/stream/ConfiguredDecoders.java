package io.earshot.stream;

import io.earshot.config.EarshotConfig;
import io.earshot.protocol.AudioFrameDecoder;
import io.earshot.protocol.ClientMessageDecoder;

/**
 * The protocol's decoders as the container instantiates them (with no arguments), holding the limits of the
 * server's configuration; the protocol package itself knows no configuration.
 */
public final class ConfiguredDecoders {

    private ConfiguredDecoders() {
    }

    /** JSON messages of at most {@code earshot.limits.max-text-message} characters. */
    public static final class Text extends ClientMessageDecoder {
        public Text() {
            super(EarshotConfig.current().maxTextMessage);
        }
    }

    /** Audio frames of at most {@code earshot.limits.max-binary-payload} bytes. */
    public static final class Binary extends AudioFrameDecoder {
        public Binary() {
            super(EarshotConfig.current().maxBinaryPayload);
        }
    }
}
