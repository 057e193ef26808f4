package io.earshot.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.protocol.Json;
import java.io.IOException;
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
 * replaced atomically and forced to the device at every change), {@code upload.bin} (the uploaded file as
 * received), {@code audio.raw} and {@code chunks.idx} (a hand-off's tail chunks, laid out like a session spool),
 * {@code audio.pcm} (the decoded audio while the job runs) and {@code transcript.json} (once complete).
 */
final class JobStore {

    static final String RECORD = "job.json";
    static final String UPLOAD = "upload.bin";
    /** A hand-off's tail, in the layout of a session spool so that {@code StoredChunks} reads it. */
    static final String TAIL_AUDIO = io.earshot.spool.SessionSpool.AUDIO_FILE;
    static final String TAIL_INDEX = io.earshot.spool.SessionSpool.INDEX_FILE;
    static final String PCM = "audio.pcm";
    static final String TRANSCRIPT = "transcript.json";

    private static final Logger LOG = Logger.getLogger(JobStore.class.getName());

    private final Path root;

    JobStore(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    void init() throws IOException {
        Files.createDirectories(root);
    }

    Path dir(String id) {
        return root.resolve(id);
    }

    Path file(String id, String name) {
        return root.resolve(id).resolve(name);
    }

    /** Every readable job; a directory whose record cannot be read is logged and left alone. */
    List<JobRecord> loadAll() throws IOException {
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

    void create(String id) throws IOException {
        Files.createDirectories(dir(id));
    }

    /** Replaces the job's record atomically and durably. */
    void save(JobRecord r) throws IOException {
        writeAtomically(file(r.id(), RECORD), Json.write(r.toJson()).getBytes(StandardCharsets.UTF_8));
    }

    void saveTranscript(String id, Transcript t) throws IOException {
        writeAtomically(file(id, TRANSCRIPT), Json.write(t.toJson()).getBytes(StandardCharsets.UTF_8));
    }

    Transcript transcript(String id) throws IOException {
        return Transcript.fromJson(Json.mapper().readTree(Files.readString(file(id, TRANSCRIPT),
                StandardCharsets.UTF_8)));
    }

    /** Removes the job's audio (upload, tail, decoded PCM), keeping its record and transcript. */
    void deleteAudio(String id) throws IOException {
        for (String name : List.of(UPLOAD, TAIL_AUDIO, TAIL_INDEX, PCM)) {
            Files.deleteIfExists(file(id, name));
        }
    }

    /** Removes everything of the job. */
    void delete(String id) throws IOException {
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
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
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
