package io.earshot.jobs;

import java.util.Locale;

/**
 * Where a job stands. A job moves forward through the working stages (Aligning and Diarizing only when asked
 * for) and ends in one of the three final ones; a job that was running when the server stopped goes back to
 * Queued once.
 */
public enum Stage {
    /** Waiting for its audio: a resumable upload, or a session's tail, not yet complete. */
    UPLOADING,
    /** Audio complete, waiting for a worker. */
    QUEUED,
    /** The audio is decoded and recognized, segment by segment. */
    TRANSCRIBING,
    /** Word times refined by forced alignment of each segment's transcript. */
    ALIGNING,
    /** Speakers told apart over the whole recording. */
    DIARIZING,
    /** Done: the transcript is ready. */
    COMPLETE,
    /** Stopped by a problem, described by the job's {@code error}. */
    FAILED,
    /** Stopped by the client. */
    CANCELLED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Stage fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Complete, Failed or Cancelled: nothing changes any more. */
    public boolean isFinal() {
        return this == COMPLETE || this == FAILED || this == CANCELLED;
    }

    /** Transcribing, Aligning or Diarizing: a worker holds the job. */
    public boolean isRunning() {
        return this == TRANSCRIBING || this == ALIGNING || this == DIARIZING;
    }
}
