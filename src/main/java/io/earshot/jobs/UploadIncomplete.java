package io.earshot.jobs;

/**
 * A request body broke off before its end: answered {@code 400 upload_incomplete} with a sentence saying what was
 * kept and, for a resumable upload, the {@code Upload-Offset} it reached.
 */
public final class UploadIncomplete extends Exception {

    private static final long serialVersionUID = 1L;

    /** The offset reached, or -1 where there is none to tell. */
    private final long uploadOffset;

    UploadIncomplete(String message, long uploadOffset, Throwable cause) {
        super(message, cause, false, false);
        this.uploadOffset = uploadOffset;
    }

    long uploadOffset() {
        return uploadOffset;
    }
}
