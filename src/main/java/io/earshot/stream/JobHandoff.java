package io.earshot.stream;

import io.earshot.jobs.JobRecord;
import io.earshot.jobs.JobRefusal;
import java.io.IOException;

/** Where a session's stored audio becomes a transcription job (the jobs' service in a server). */
interface JobHandoff {

    /**
     * The job of the session's first {@code chunks} chunks; a session has one, so asking again returns it.
     *
     * @param awaitTail whether the job waits for the client's unacknowledged chunks before it is queued
     */
    JobRecord createFromSession(String sessionId, String codec, long chunks, boolean awaitTail, boolean align,
            boolean diarize, String owner) throws JobRefusal, IOException;

    /** The session's job, or null when it was never handed off. */
    JobRecord jobOfSession(String sessionId);
}
