package io.earshot.jobs;

import java.io.IOException;

/**
 * The server's own storage failed (not the client's request): answered {@code 500 storage_failed} with
 * {@link #getMessage()}, a sentence for the client; the cause is logged, never sent.
 */
public final class StorageFailure extends IOException {

    private static final long serialVersionUID = 1L;

    public StorageFailure(String clientMessage, Throwable cause) {
        super(clientMessage, cause);
    }

    /** The same failure, told to the client in the words of the request that met it. */
    StorageFailure as(String clientMessage) {
        return new StorageFailure(clientMessage, getCause() != null ? getCause() : this);
    }
}
