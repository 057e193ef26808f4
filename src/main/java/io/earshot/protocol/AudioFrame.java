package io.earshot.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One binary WebSocket message: {@code count} consecutive audio chunks starting at {@code firstSeq}.
 *
 * <pre>
 * offset  size  field
 * 0       1     frame type, 0x01 = audio
 * 1       1     flags, must be 0
 * 2       2     chunk count N (1..65535), unsigned big-endian
 * 4       4     sequence number of the first chunk (1..2^32-1), unsigned big-endian
 * 8       ...   N times: 4-byte unsigned big-endian payload length L (at least 1), then L payload bytes
 * </pre>
 *
 * The payload offsets point into {@link #buffer()}, which is never copied.
 */
public record AudioFrame(long firstSeq, int count, ByteBuffer buffer, int[] offsets, int[] lengths) {

    public static final int TYPE_AUDIO = 0x01;
    public static final int HEADER_BYTES = 8;
    public static final int CHUNK_HEADER_BYTES = 4;
    public static final long MAX_SEQ = 0xFFFF_FFFFL;

    /** The sequence number of the last chunk in the frame. */
    public long lastSeq() {
        return firstSeq + count - 1;
    }

    /** Total payload bytes of chunks {@code from..count-1}. */
    public long payloadBytes(int from) {
        long total = 0;
        for (int i = from; i < count; i++) {
            total += lengths[i];
        }
        return total;
    }

    /** A read-only view of payload {@code i}. */
    public ByteBuffer payload(int i) {
        return buffer.asReadOnlyBuffer().limit(offsets[i] + lengths[i]).position(offsets[i]).slice();
    }

    /** Reads a frame from the buffer's position to its limit; the caller's buffer is left untouched. */
    public static AudioFrame parse(ByteBuffer message) throws FrameFormatException {
        ByteBuffer in = message.duplicate().order(ByteOrder.BIG_ENDIAN);
        int base = in.position();
        int size = in.remaining();
        if (size < HEADER_BYTES) {
            throw new FrameFormatException("frame of " + size + " bytes is shorter than the 8-byte header");
        }
        int type = in.get(base) & 0xFF;
        if (type != TYPE_AUDIO) {
            throw new FrameFormatException(String.format("unknown frame type 0x%02x (expected 0x01)", type));
        }
        int flags = in.get(base + 1) & 0xFF;
        if (flags != 0) {
            throw new FrameFormatException(String.format("flags 0x%02x set; v1 defines none", flags));
        }
        int count = in.getShort(base + 2) & 0xFFFF;
        if (count == 0) {
            throw new FrameFormatException("chunk count is 0");
        }
        long firstSeq = in.getInt(base + 4) & MAX_SEQ;
        if (firstSeq == 0) {
            throw new FrameFormatException("sequence numbers start at 1; got first_seq 0");
        }
        if (firstSeq + count - 1 > MAX_SEQ) {
            throw new FrameFormatException("chunk sequence numbers run past 2^32-1");
        }
        // Every chunk takes at least 5 bytes, so the message bounds the arrays, not the count it declares: an
        // 8-byte frame claiming 65535 chunks must not cost half a megabyte. The loop fails before it would index
        // past them.
        int fits = Math.min(count, (size - HEADER_BYTES) / (CHUNK_HEADER_BYTES + 1));
        int[] offsets = new int[fits];
        int[] lengths = new int[fits];
        int at = base + HEADER_BYTES;
        int end = base + size;
        for (int i = 0; i < count; i++) {
            if (end - at < CHUNK_HEADER_BYTES) {
                throw new FrameFormatException("frame ends inside the length of chunk " + (firstSeq + i));
            }
            long length = in.getInt(at) & 0xFFFF_FFFFL;
            at += CHUNK_HEADER_BYTES;
            if (length == 0) {
                throw new FrameFormatException("chunk " + (firstSeq + i) + " is empty");
            }
            if (length > end - at) {
                throw new FrameFormatException("chunk " + (firstSeq + i) + " declares " + length
                        + " bytes but only " + (end - at) + " remain in the frame");
            }
            offsets[i] = at;
            lengths[i] = (int) length;
            at += (int) length;
        }
        if (at != end) {
            throw new FrameFormatException((end - at) + " bytes follow the last chunk");
        }
        return new AudioFrame(firstSeq, count, in, offsets, lengths);
    }

    /** Builds a frame holding {@code payloads} as chunks {@code firstSeq, firstSeq+1, ...}. */
    public static ByteBuffer encode(long firstSeq, byte[]... payloads) {
        int size = HEADER_BYTES;
        for (byte[] p : payloads) {
            size += CHUNK_HEADER_BYTES + p.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.BIG_ENDIAN);
        out.put((byte) TYPE_AUDIO).put((byte) 0).putShort((short) payloads.length).putInt((int) firstSeq);
        for (byte[] p : payloads) {
            out.putInt(p.length).put(p);
        }
        return out.flip();
    }

    /** A binary message that does not follow the frame layout. */
    public static final class FrameFormatException extends Exception {
        private static final long serialVersionUID = 1L;

        public FrameFormatException(String message) {
            super(message);
        }
    }
}
