package io.earshot.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** An uploaded file as received, byte for byte: written as the body is read, forced to the device before an answer. */
final class UploadFile {

    private static final String WRITE_FAILED = "The server could not store the upload.";

    private final Path file;

    UploadFile(Path file) {
        this.file = file;
    }

    long size() throws IOException {
        return Files.size(file);
    }

    InputStream read() throws IOException {
        return Files.newInputStream(file);
    }

    /** Drops bytes beyond {@code offset}: after a crash in a PATCH the file can hold bytes never confirmed. */
    void truncate(long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (ch.size() > offset) {
                ch.truncate(offset);
            }
        } catch (IOException e) {
            throw new StorageFailure(WRITE_FAILED, e);
        }
    }

    /**
     * Copies at most {@code max} bytes of {@code in} (appending, or replacing the file) and forces them to the
     * device; returns the bytes copied, or -1 if {@code in} had more. Write failures are {@link StorageFailure}s,
     * so that a caller tells them from a body that broke off.
     */
    long copy(InputStream in, long max, boolean append) throws IOException {
        long total = 0;
        byte[] buf = new byte[65_536];
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new StorageFailure(WRITE_FAILED, e);
        }
        try (ch; OutputStream out = Channels.newOutputStream(ch)) {
            try {
                int n;
                while ((n = in.read(buf, 0, (int) Math.min(buf.length, max - total + 1))) > 0) {
                    int keep = (int) Math.min(n, max - total);
                    try {
                        out.write(buf, 0, keep);
                    } catch (IOException e) {
                        throw new StorageFailure(WRITE_FAILED, e);
                    }
                    if (keep < n) {
                        total = -1;
                        break;
                    }
                    total += n;
                }
            } finally {
                try {
                    ch.force(false);
                } catch (IOException e) {
                    throw new StorageFailure(WRITE_FAILED, e);
                }
            }
        }
        return total;
    }
}
