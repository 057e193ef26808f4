package io.earshot.jobs;

import io.earshot.audio.EngineFormat;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** A job's decoded audio while it runs: 16-bit little-endian samples, nothing else, so any stretch is a seek away. */
final class DecodedAudioFile {

    private final Path file;

    DecodedAudioFile(Path file) {
        this.file = file;
    }

    JobStore.PcmWriter writer() throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 65_536);
        byte[] bytes = new byte[8192];
        return new JobStore.PcmWriter() {
            @Override
            public void write(short[] samples, int offset, int count) throws IOException {
                EngineFormat.writeLittleEndian(samples, offset, count, bytes, out);
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    JobStore.PcmReader reader() throws IOException {
        RandomAccessFile pcm = new RandomAccessFile(file.toFile(), "r");
        return new JobStore.PcmReader() {
            @Override
            public long samples() throws IOException {
                return pcm.length() / 2;
            }

            @Override
            public short[] read(long startSample, int length) throws IOException {
                byte[] b = new byte[length * 2];
                pcm.seek(startSample * 2);
                pcm.readFully(b);
                short[] s = new short[length];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
                return s;
            }

            @Override
            public void close() throws IOException {
                pcm.close();
            }
        };
    }

    void delete() throws IOException {
        Files.deleteIfExists(file);
    }
}
