package io.earshot.jobs;

import io.earshot.spool.StoredChunks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A hand-off's tail chunks in a job's directory, stored by the spool's {@link StoredChunks} (the one class that
 * writes and reads that layout), so that a job reads its session's chunks and its tail alike.
 */
final class TailFile {

    private final Path dir;

    TailFile(Path dir) {
        this.dir = dir;
    }

    /** Goes on after the first {@code recorded} chunks (the job's uploadOffset); any after them are cut off. */
    JobStore.TailAppender appender(long recorded, long max) throws IOException {
        StoredChunks.Writer writer = StoredChunks.Writer.openOrCreate(dir, recorded);
        return new JobStore.TailAppender() {
            @Override
            public boolean append(ByteBuffer payload) throws IOException {
                if (writer.bytes() + payload.remaining() > max) {
                    return false;
                }
                writer.append(payload);
                return true;
            }

            @Override
            public void close() throws IOException {
                writer.close();
            }
        };
    }

    void read(StoredChunks.Visitor visitor) throws IOException {
        if (StoredChunks.exist(dir)) {
            StoredChunks.open(dir).read(Long.MAX_VALUE, visitor);
        }
    }

    void delete() throws IOException {
        StoredChunks.delete(dir);
    }
}
