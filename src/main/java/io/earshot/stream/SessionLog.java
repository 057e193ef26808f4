package io.earshot.stream;

import io.earshot.protocol.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Structured log lines about sessions and connections: one JSON object per line, always carrying
 * {@code session_id}, {@code connection_id} and {@code attempt} when they are known, so one session can be
 * followed across reconnects with a single filter. Never logs audio, tokens or message bodies.
 */
final class SessionLog {

    private static final Logger LOG = Logger.getLogger("io.earshot.stream");

    private SessionLog() {
    }

    static void info(String event, Connection connection, StreamSession session, Object... fields) {
        log(Level.INFO, event, connection, session, fields);
    }

    static void warn(String event, Connection connection, StreamSession session, Object... fields) {
        log(Level.WARNING, event, connection, session, fields);
    }

    static void fine(String event, Connection connection, StreamSession session, Object... fields) {
        log(Level.FINE, event, connection, session, fields);
    }

    static void log(Level level, String event, Connection connection, StreamSession session, Object... fields) {
        if (!LOG.isLoggable(level)) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.put("event", event);
        if (session != null) {
            line.put("session_id", session.id());
            line.put("attempt", session.attempt());
        }
        if (connection != null) {
            line.put("connection_id", connection.id());
            line.put("client", connection.identity());
        }
        for (int i = 0; i + 1 < fields.length; i += 2) {
            line.put(String.valueOf(fields[i]), fields[i + 1]);
        }
        LOG.log(level, Json.write(line));
    }
}
