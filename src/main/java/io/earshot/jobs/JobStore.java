package io.earshot.jobs;

import io.earshot.spool.StoredChunks;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where jobs are kept: their records, their uploaded bytes, a hand-off's tail chunks, the decoded audio while a
 * job runs, and transcripts. {@link FileJobStore} keeps them in one directory per job; a database can keep them
 * instead, so nothing outside an implementation knows how or where they are laid out.
 */
interface JobStore {

    /** Makes the store usable; a store that cannot be made so throws, and every new job is then refused. */
    void init() throws IOException;

    /** Every readable job, oldest first; what a creation cut short left behind is removed. */
    List<JobRecord> loadAll() throws IOException;

    /** Makes room for a new job. */
    void create(String id) throws IOException;

    /** Replaces the job's record durably: once this returns, a restart finds this record. */
    void save(JobRecord r) throws IOException;

    void saveTranscript(String id, Transcript t) throws IOException;

    Transcript transcript(String id) throws IOException;

    /**
     * Replaces the job's upload with at most {@code max} bytes of {@code body}, durably; returns the bytes kept, or
     * -1 if the body had more. The store's own failures are {@link StorageFailure}s; other exceptions come from
     * reading {@code body}.
     */
    long writeUpload(String id, InputStream body, long max) throws IOException;

    /**
     * Appends at most {@code max} bytes of {@code body} to the upload at {@code offset}, after dropping anything
     * beyond it (bytes a crash left unconfirmed); returns the bytes appended, or -1 if the body had more. What was
     * read before a failure stays appended: {@link #uploadSize} tells how much.
     */
    long appendUpload(String id, long offset, InputStream body, long max) throws IOException;

    long uploadSize(String id) throws IOException;

    InputStream readUpload(String id) throws IOException;

    /**
     * Opens the job's tail for appending chunks after its first {@code recordedChunks} (those its record counts;
     * any stored after them, before a crash, are cut off), refusing any that would take it beyond {@code maxBytes}.
     */
    TailAppender appendTail(String id, long recordedChunks, long maxBytes) throws IOException;

    /** Feeds the tail's chunks in order to {@code visitor}; nothing when the job has no tail. */
    void readTail(String id, StoredChunks.Visitor visitor) throws IOException;

    /** A new, empty copy of the job's decoded audio. */
    PcmWriter writePcm(String id) throws IOException;

    PcmReader readPcm(String id) throws IOException;

    void deletePcm(String id) throws IOException;

    /** Removes the job's audio (upload, tail, decoded), keeping its record and transcript. */
    void deleteAudio(String id) throws IOException;

    /** Removes everything of the job. */
    void delete(String id) throws IOException;

    /** Chunks added to a hand-off's tail; closing makes them durable. */
    interface TailAppender extends Closeable {
        /** False, with nothing written, when the chunk would take the tail beyond its bound. */
        boolean append(ByteBuffer payload) throws IOException;
    }

    /** Decoded audio being written: 16 kHz mono samples in order. */
    interface PcmWriter extends Closeable {
        void write(short[] samples, int offset, int count) throws IOException;
    }

    /** Decoded audio being read back, any stretch at a time. */
    interface PcmReader extends Closeable {
        long samples() throws IOException;

        short[] read(long startSample, int length) throws IOException;
    }
}
