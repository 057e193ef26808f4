package io.earshot.fuzz;

/** Recomputes the CRC of every whole Ogg page at the start of a file, so that mutated pages pass the check. */
final class OggCrc {

    private static final int HEADER_BYTES = 27;
    private static final int[] TABLE = table();

    private OggCrc() {
    }

    /**
     * A copy of {@code file} with the CRC of each page fixed, page after page from the start, up to the first
     * place where no whole page starts; the rest is left as it is.
     */
    static byte[] fixed(byte[] file) {
        byte[] b = file.clone();
        int p = 0;
        while (p + HEADER_BYTES <= b.length && b[p] == 'O' && b[p + 1] == 'g' && b[p + 2] == 'g'
                && b[p + 3] == 'S') {
            int segments = b[p + 26] & 0xff;
            if (p + HEADER_BYTES + segments > b.length) {
                break;
            }
            int length = HEADER_BYTES + segments;
            for (int s = 0; s < segments; s++) {
                length += b[p + HEADER_BYTES + s] & 0xff;
            }
            if (p + length > b.length) {
                break;
            }
            b[p + 22] = b[p + 23] = b[p + 24] = b[p + 25] = 0;
            int crc = crc(b, p, length);
            b[p + 22] = (byte) crc;
            b[p + 23] = (byte) (crc >>> 8);
            b[p + 24] = (byte) (crc >>> 16);
            b[p + 25] = (byte) (crc >>> 24);
            p += length;
        }
        return b;
    }

    /** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value and final XOR 0. */
    private static int crc(byte[] b, int offset, int length) {
        int crc = 0;
        for (int i = offset; i < offset + length; i++) {
            crc = crc << 8 ^ TABLE[(crc >>> 24 ^ b[i]) & 0xff];
        }
        return crc;
    }

    private static int[] table() {
        int[] table = new int[256];
        for (int i = 0; i < 256; i++) {
            int r = i << 24;
            for (int k = 0; k < 8; k++) {
                r = (r & 0x8000_0000) != 0 ? r << 1 ^ 0x04c1_1db7 : r << 1;
            }
            table[i] = r;
        }
        return table;
    }
}
