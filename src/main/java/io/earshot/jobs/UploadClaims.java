package io.earshot.jobs;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which jobs a request is adding bytes to right now: one request at a time per job, and a second one is refused
 * at once rather than made to wait behind a client that may never finish.
 */
final class UploadClaims {

    /** Ids of jobs a request is uploading to; a concurrent set, so a claim is one atomic add. */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    /** Claims the job's uploads for the calling request; 423 while another request holds them. */
    void claim(String id) throws JobRefusal {
        if (!tryClaim(id)) {
            throw new JobRefusal(423, "upload_locked", "Another request is uploading to this job right now.");
        }
    }

    boolean tryClaim(String id) {
        return busy.add(id);
    }

    void release(String id) {
        busy.remove(id);
    }
}
