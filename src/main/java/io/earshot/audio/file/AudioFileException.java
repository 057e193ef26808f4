package io.earshot.audio.file;

import java.util.OptionalLong;

/**
 * An uploaded audio file cannot be decoded. Three kinds of problem are told apart because they call for
 * different actions by the uploader: an {@linkplain Problem#UNSUPPORTED unsupported} file is valid but must be
 * converted first, a {@linkplain Problem#TRUNCATED truncated} one must be uploaded again in full, and a
 * {@linkplain Problem#CORRUPT corrupt} one is damaged or is not what it claims to be.
 *
 * <p>The message is written for the uploader and safe to show: it says what is wrong in the file's own terms
 * (chunk, page, packet, byte offset), never anything about the server. No stack trace is recorded, as the
 * exception describes the data, not a fault in the code.
 */
public final class AudioFileException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What kind of problem the file has, each with a stable name for API clients. */
    public enum Problem {
        /** Well-formed, but in an encoding, rate or channel layout this server does not decode. */
        UNSUPPORTED("unsupported_audio_format"),
        /** The file ends before its structure says it should: an incomplete upload or recording. */
        TRUNCATED("truncated_file"),
        /** The file is not what it claims to be: bad magic, checksum mismatch, inconsistent header, bad packet. */
        CORRUPT("corrupt_file");

        private final String wireName;

        Problem(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final Problem problem;
    private final long offset;

    /** A problem with the file as a whole, not at a particular byte. */
    public AudioFileException(Problem problem, String message) {
        this(problem, message, -1);
    }

    /** A problem found at byte {@code offset} of the file (counted from 0), or at no byte if negative. */
    public AudioFileException(Problem problem, String message, long offset) {
        super(message, null, false, false);
        this.problem = problem;
        this.offset = offset;
    }

    public Problem problem() {
        return problem;
    }

    /** Byte offset in the file where the problem was found, if it lies at one. */
    public OptionalLong offset() {
        return offset < 0 ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    static AudioFileException unsupported(String message) {
        return new AudioFileException(Problem.UNSUPPORTED, message);
    }

    static AudioFileException truncated(String message, long offset) {
        return new AudioFileException(Problem.TRUNCATED, message, offset);
    }

    static AudioFileException corrupt(String message, long offset) {
        return new AudioFileException(Problem.CORRUPT, message, offset);
    }
}
