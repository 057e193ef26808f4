package io.earshot.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Binary messages: at most {@code earshot.limits.max-binary-payload} bytes, laid out as an audio frame. */
class AudioFrameDecoderTest {

    private final AudioFrameDecoder decoder = new AudioFrameDecoder(EarshotConfig.current().maxBinaryPayload);

    @Test
    void defaultBinaryLimitIs262144Bytes() {
        assertEquals(262_144, EarshotConfig.from(Map.of()).maxBinaryPayload);
    }

    @Test
    void wellFormedFrameDecodes() throws Exception {
        AudioFrame frame = decoder.decode(AudioFrame.encode(4, new byte[] {1, 2}, new byte[] {3}));

        assertEquals(4, frame.firstSeq());
        assertEquals(2, frame.count());
    }

    @Test
    void frameOfExactlyTheLimitDecodes() throws Exception {
        int limit = EarshotConfig.current().maxBinaryPayload;

        AudioFrame frame = decoder.decode(frameOfSize(limit));

        assertEquals(limit - AudioFrame.HEADER_BYTES - AudioFrame.CHUNK_HEADER_BYTES, frame.payloadBytes(0));
    }

    @Test
    void frameLargerThanTheLimitIsPayloadTooLargeAndFatal() {
        int limit = EarshotConfig.current().maxBinaryPayload;

        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class,
                () -> decoder.decode(frameOfSize(limit + 1)));

        assertEquals("payload_too_large", e.error().code());
        assertTrue(e.error().fatal());
        assertEquals((limit + 1) + " bytes, limit earshot.limits.max-binary-payload=" + limit, e.error().detail());
    }

    @Test
    void oversizedMessageIsRefusedEvenIfItIsNotAFrame() {
        ByteBuffer junk = ByteBuffer.allocate(EarshotConfig.current().maxBinaryPayload + 1);

        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class, () -> decoder.decode(junk));

        assertEquals("payload_too_large", e.error().code());
    }

    @Test
    void badLayoutIsBadFrameAndNotFatal() {
        ByteBuffer wrongType = ByteBuffer.wrap(new byte[] {0x02, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7});

        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class, () -> decoder.decode(wrongType));

        assertEquals("bad_frame", e.error().code());
        assertFalse(e.error().fatal());
        assertTrue(e.error().retryable());
    }

    @Test
    void badFrameDetailIsTheLayoutViolation() {
        ByteBuffer shortFrame = ByteBuffer.wrap(new byte[] {0x01, 0, 0});

        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class, () -> decoder.decode(shortFrame));

        assertEquals("frame of 3 bytes is shorter than the 8-byte header", e.error().detail());
    }

    /** A one-chunk frame whose whole message is {@code size} bytes. */
    private static ByteBuffer frameOfSize(int size) {
        return AudioFrame.encode(1, new byte[size - AudioFrame.HEADER_BYTES - AudioFrame.CHUNK_HEADER_BYTES]);
    }
}
