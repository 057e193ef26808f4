package io.earshot.jobs;

import io.earshot.spool.SessionSpool;
import io.earshot.spool.StoredChunks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A hand-off's tail chunks in a job's directory, in a session spool's layout (payloads, and their lengths in the
 * index) so that {@link StoredChunks}, the layout's reader, reads them back.
 */
final class TailFile {

    private final Path dir;

    TailFile(Path dir) {
        this.dir = dir;
    }

    JobStore.TailAppender appender(long max) throws IOException {
        return new Appender(dir, max);
    }

    void read(StoredChunks.Visitor visitor) throws IOException {
        if (Files.exists(dir.resolve(SessionSpool.INDEX_FILE))) {
            StoredChunks.open(dir).read(Long.MAX_VALUE, visitor);
        }
    }

    void delete() throws IOException {
        Files.deleteIfExists(dir.resolve(SessionSpool.AUDIO_FILE));
        Files.deleteIfExists(dir.resolve(SessionSpool.INDEX_FILE));
    }

    /** Appends payloads and their lengths; closing forces both files. */
    private static final class Appender implements JobStore.TailAppender {
        private final FileChannel audio;
        private final FileChannel index;
        private final long max;

        Appender(Path dir, long max) throws IOException {
            this.audio = FileChannel.open(dir.resolve(SessionSpool.AUDIO_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            this.index = FileChannel.open(dir.resolve(SessionSpool.INDEX_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            this.max = max;
        }

        @Override
        public boolean append(ByteBuffer payload) throws IOException {
            if (audio.size() + payload.remaining() > max) {
                return false;
            }
            ByteBuffer len = ByteBuffer.allocate(4).putInt(payload.remaining()).flip();
            while (payload.hasRemaining()) {
                audio.write(payload);
            }
            while (len.hasRemaining()) {
                index.write(len);
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            try {
                audio.force(false);
                index.force(false);
            } finally {
                audio.close();
                index.close();
            }
        }
    }
}
