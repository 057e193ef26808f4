package io.earshot.it;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Audio chunks and binary frames for tests: deterministic 16-bit PCM, and server-frame parsing. */
final class Frames {

    private Frames() {
    }

    /** {@code count} PCM chunks of {@code bytes} bytes each: a tone plus noise, distinct per seed. */
    static List<byte[]> pcmChunks(int count, int bytes, long seed) {
        Random random = new Random(seed);
        List<byte[]> chunks = new ArrayList<>();
        int sample = 0;
        for (int i = 0; i < count; i++) {
            ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            while (b.remaining() >= 2) {
                double tone = Math.sin(2 * Math.PI * 440 * sample++ / 16000.0) * 8000;
                b.putShort((short) (tone + random.nextGaussian() * 500));
            }
            chunks.add(b.array());
        }
        return chunks;
    }

    /** A frame with chunks {@code from..to} (1-based sequence numbers, inclusive) of the list. */
    static ByteBuffer frame(List<byte[]> chunks, long from, long to) {
        byte[][] payloads = new byte[(int) (to - from + 1)][];
        for (long s = from; s <= to; s++) {
            payloads[(int) (s - from)] = chunks.get((int) (s - 1));
        }
        return io.earshot.protocol.AudioFrame.encode(from, payloads);
    }

    static byte[] concat(List<byte[]> chunks, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            out.writeBytes(chunks.get(i));
        }
        return out.toByteArray();
    }

    /** A server-to-client WebSocket frame (unmasked), as captured on the wire. */
    record WireFrame(int opcode, byte[] payload) {
        int closeCode() {
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }
    }

    /** Splits captured server bytes into frames; stops at an incomplete one. */
    static List<WireFrame> parseServerFrames(byte[] bytes) {
        List<WireFrame> out = new ArrayList<>();
        int at = 0;
        while (at + 2 <= bytes.length) {
            int opcode = bytes[at] & 0x0F;
            int len = bytes[at + 1] & 0x7F;
            int header = 2;
            if (len == 126) {
                if (at + 4 > bytes.length) {
                    break;
                }
                len = ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
                header = 4;
            } else if (len == 127) {
                break; // never sent by these tests' server messages
            }
            if (at + header + len > bytes.length) {
                break;
            }
            byte[] payload = new byte[len];
            System.arraycopy(bytes, at + header, payload, 0, len);
            out.add(new WireFrame(opcode, payload));
            at += header + len;
        }
        return out;
    }
}
