package io.earshot.stream;

import io.earshot.config.EarshotConfig;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage;

/**
 * The server-wide and per-client limits on connections and sessions, each with its error. Holds no state: the
 * registry asks it under its admission lock, with the counts as they are.
 */
final class Admission {

    private final EarshotConfig config;

    Admission(EarshotConfig config) {
        this.config = config;
    }

    /** Why one more connection is refused when {@code open} are open, or null when it is not. */
    ServerMessage.Error refuseConnection(int open) {
        if (open < config.maxConnections) {
            return null;
        }
        return ServerMessage.Error.of(ErrorCode.SERVER_BUSY,
                "The server has too many open connections; try again shortly.",
                "max_connections=" + config.maxConnections).withRetryAfterMs(config.retryAfterMs);
    }

    /**
     * Why a new session of {@code identity} is refused beside the {@code held} ones, or null when it is not.
     * Sessions waiting for a resume count until their grace period ends; ended ones do not.
     */
    ServerMessage.Error refuseSession(Iterable<StreamSession> held, String identity) {
        int live = 0;
        int mine = 0;
        for (StreamSession s : held) {
            if (!s.isEnded()) {
                live++;
                if (s.identity().equals(identity)) {
                    mine++;
                }
            }
        }
        if (live >= config.maxSessions) {
            return ServerMessage.Error.of(ErrorCode.SERVER_BUSY,
                    "The server is at its session limit; try again shortly.",
                    "max_sessions=" + config.maxSessions).withRetryAfterMs(config.retryAfterMs);
        }
        if (mine >= config.maxSessionsPerClient) {
            return ServerMessage.Error.of(ErrorCode.TOO_MANY_SESSIONS,
                    "This client already has the most sessions allowed; end or abandon one first.",
                    "max_sessions_per_client=" + config.maxSessionsPerClient + " (sessions waiting for a "
                            + "resume count until their grace period ends)")
                    .withRetryAfterMs(config.retryAfterMs);
        }
        return null;
    }

    ServerMessage.Error shuttingDown() {
        return ServerMessage.Error.of(ErrorCode.SERVER_BUSY, "The server is shutting down; try again shortly.",
                "shutting down").withRetryAfterMs(config.retryAfterMs);
    }

    ServerMessage.Error storageUnavailable(String detail) {
        return ServerMessage.Error.of(ErrorCode.STORAGE_FAILED, "The server cannot store audio right now.", detail)
                .withRetryAfterMs(config.retryAfterMs);
    }
}
