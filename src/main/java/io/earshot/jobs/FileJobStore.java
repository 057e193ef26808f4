package io.earshot.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.protocol.Json;
import io.earshot.spool.StoredChunks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Jobs on disk, one directory each under {@code earshot.jobs.dir}: {@code job.json} (the progress record,
 * replaced atomically and forced to the device at every change), {@code upload.bin} ({@link UploadFile}),
 * {@code audio.raw} and {@code chunks.idx} (a hand-off's tail, {@link TailFile}), {@code audio.pcm} (the decoded
 * audio while the job runs, {@link DecodedAudioFile}) and {@code transcript.json} (once complete).
 */
final class FileJobStore implements JobStore {

    static final String RECORD = "job.json";
    static final String UPLOAD = "upload.bin";
    static final String PCM = "audio.pcm";
    static final String TRANSCRIPT = "transcript.json";

    private static final Logger LOG = Logger.getLogger(FileJobStore.class.getName());

    private final Path root;

    FileJobStore(Path root) {
        this.root = root;
    }

    @Override
    public void init() throws IOException {
        Files.createDirectories(root);
    }

    private Path dir(String id) {
        return root.resolve(id);
    }

    private Path file(String id, String name) {
        return root.resolve(id).resolve(name);
    }

    @Override
    public List<JobRecord> loadAll() throws IOException {
        List<JobRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path d : dirs) {
                Path record = d.resolve(RECORD);
                if (!Files.isRegularFile(record)) {
                    // a job whose creation was cut short (the server died in the middle of an upload)
                    if (d.getFileName().toString().startsWith("j_")) {
                        delete(d.getFileName().toString());
                    }
                    continue;
                }
                try {
                    JsonNode n = Json.mapper().readTree(Files.readString(record, StandardCharsets.UTF_8));
                    JobRecord r = JobRecord.fromJson(n);
                    if (r.id().equals(d.getFileName().toString())) {
                        out.add(r);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "Earshot cannot read job record " + record + "; the job is skipped", e);
                }
            }
        }
        out.sort(Comparator.comparing(JobRecord::createdAt));
        return out;
    }

    @Override
    public void create(String id) throws IOException {
        Files.createDirectories(dir(id));
    }

    @Override
    public void save(JobRecord r) throws IOException {
        writeAtomically(file(r.id(), RECORD), Json.write(r.toJson()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void saveTranscript(String id, Transcript t) throws IOException {
        writeAtomically(file(id, TRANSCRIPT), Json.write(t.toJson()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Transcript transcript(String id) throws IOException {
        return Transcript.fromJson(Json.mapper().readTree(Files.readString(file(id, TRANSCRIPT),
                StandardCharsets.UTF_8)));
    }

    @Override
    public long writeUpload(String id, InputStream body, long max) throws IOException {
        return new UploadFile(file(id, UPLOAD)).copy(body, max, false);
    }

    @Override
    public long appendUpload(String id, long offset, InputStream body, long max) throws IOException {
        UploadFile upload = new UploadFile(file(id, UPLOAD));
        upload.truncate(offset);
        return upload.copy(body, max, true);
    }

    @Override
    public long uploadSize(String id) throws IOException {
        return new UploadFile(file(id, UPLOAD)).size();
    }

    @Override
    public InputStream readUpload(String id) throws IOException {
        return new UploadFile(file(id, UPLOAD)).read();
    }

    @Override
    public TailAppender appendTail(String id, long recordedChunks, long maxBytes) throws IOException {
        return new TailFile(dir(id)).appender(recordedChunks, maxBytes);
    }

    @Override
    public void readTail(String id, StoredChunks.Visitor visitor) throws IOException {
        new TailFile(dir(id)).read(visitor);
    }

    @Override
    public PcmWriter writePcm(String id) throws IOException {
        return new DecodedAudioFile(file(id, PCM)).writer();
    }

    @Override
    public PcmReader readPcm(String id) throws IOException {
        return new DecodedAudioFile(file(id, PCM)).reader();
    }

    @Override
    public void deletePcm(String id) throws IOException {
        new DecodedAudioFile(file(id, PCM)).delete();
    }

    @Override
    public void deleteAudio(String id) throws IOException {
        Files.deleteIfExists(file(id, UPLOAD));
        new TailFile(dir(id)).delete();
        deletePcm(id);
    }

    @Override
    public void delete(String id) throws IOException {
        Path d = dir(id);
        if (!Files.exists(d)) {
            return;
        }
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(d);
    }

    private static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        // the rename itself must reach the device too
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform lets a directory be opened and forced
        }
    }
}
