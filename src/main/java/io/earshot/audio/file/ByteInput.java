package io.earshot.audio.file;

import java.io.IOException;
import java.io.InputStream;

/**
 * An input stream read with its position counted, so that problems can name the byte they were found at,
 * and with reads that fill the buffer unless the stream ends: a short count always means end of file.
 */
final class ByteInput {

    private final InputStream in;
    private final byte[] scratch = new byte[8192];
    private long position;

    ByteInput(InputStream in) {
        this.in = in;
    }

    /** Bytes consumed so far: the offset of the next byte. */
    long position() {
        return position;
    }

    /** Reads up to {@code length} bytes, fewer only at the end of the stream; returns the count read. */
    int read(byte[] buffer, int offset, int length) throws IOException {
        int total = 0;
        while (total < length) {
            int n = in.read(buffer, offset + total, length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        position += total;
        return total;
    }

    /** Skips up to {@code count} bytes, fewer only at the end of the stream; returns the count skipped. */
    long skip(long count) throws IOException {
        long done = 0;
        while (done < count) {
            int want = (int) Math.min(scratch.length, count - done);
            int n = read(scratch, 0, want);
            done += n;
            if (n < want) {
                break;
            }
        }
        return done;
    }
}
