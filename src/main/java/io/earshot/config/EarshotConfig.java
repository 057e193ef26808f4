package io.earshot.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Every Earshot setting, read once from Java system properties ({@code earshot.*}) or environment
 * variables ({@code EARSHOT_*}), with the defaults documented in docs/configuration.md.
 *
 * <p>Plain Java rather than MicroProfile Config so the WAR needs nothing beyond Jakarta EE 10.
 */
public final class EarshotConfig {

    /** How far an acknowledged chunk is guaranteed to have travelled before the ack is sent. */
    public enum Durability {
        /** Written to the operating system: survives a crash of the server process. */
        OS,
        /** Forced to the storage device: survives a power loss too. */
        DISK;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public final Path spoolDir;
    public final Durability durability;
    public final long forceIntervalMs;
    public final long heartbeatIntervalMs;
    public final long resumeGraceMs;
    public final long maxSessionDurationMs;
    public final long idleTimeoutMs;
    public final long startTimeoutMs;
    public final int maxBinaryPayload;
    public final int maxTextMessage;
    public final int maxSessionsPerClient;
    public final int maxSessions;
    public final int maxConnections;
    public final int maxAudioDownloads;
    public final int window;
    public final int eventBuffer;
    public final int outboundQueue;
    public final long retryAfterMs;
    public final double flowHighWater;
    public final double flowLowWater;
    public final long tickMs;
    public final String engine;
    public final int engineThreads;
    public final long engineMaxLagMs;
    public final long engineMaxPendingMs;
    public final long engineEndWaitMs;
    public final int engineBreakerFailures;
    public final long engineBreakerOpenMs;
    public final long sphinx4AbsoluteBeamWidth;
    public final double sphinx4RelativeBeamWidth;
    public final long sphinx4AbsoluteWordBeamWidth;
    public final double sphinx4RelativeWordBeamWidth;
    public final double sphinx4LanguageWeight;
    public final double sphinx4WordInsertionProbability;
    public final Path jobsDir;
    public final String jobsExecutor;
    public final int jobsConcurrency;
    public final int jobsMaxQueued;
    public final int jobsMaxJobs;
    public final long jobsMaxUploadBytes;
    public final long jobsMaxAudioMs;
    public final long jobsUploadExpiryMs;
    public final long jobsAudioRetentionMs;
    public final long jobsRetentionMs;
    public final int jobsMaxAttempts;
    public final long jobsMaxWaitS;
    public final int jobsMaxLongPolls;
    public final int jobsEventHistory;
    public final int jobsMaxSubscribers;
    /** Origins whose pages may open WebSockets, lower case; empty: loopback pages only; {@code *}: any. */
    public final java.util.List<String> allowedOrigins;
    public final int connectionsPerMinute;
    public final int audioSecondsPerMinute;
    public final long uploadBytesPerMinute;
    public final int rateLimitClients;
    /** {@code keys} (API keys and tokens required) or {@code none} (no authentication: development only). */
    public final boolean authRequired;
    /** {@code name=sha256hex} entries: the API keys, only as their SHA-256. */
    public final java.util.List<String> authKeys;
    /** The token signing secret, or null for a random one per server start. */
    public final String authTokenSecret;
    public final long authTokenTtlS;
    public final long authTokenMaxTtlS;

    private EarshotConfig(Function<String, String> source) {
        spoolDir = Path.of(string(source, "earshot.spool.dir", "data/spool"));
        String durabilityName = string(source, "earshot.spool.durability", "os");
        try {
            durability = Durability.valueOf(durabilityName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "earshot.spool.durability must be os or disk, got '" + durabilityName + "'", e);
        }
        forceIntervalMs = number(source, "earshot.spool.force-interval-ms", 50, 1, 10_000);
        heartbeatIntervalMs = number(source, "earshot.heartbeat.interval-ms", 30_000, 500, 300_000);
        resumeGraceMs = number(source, "earshot.resume.grace-ms", 120_000, 0, 3_600_000);
        maxSessionDurationMs = number(source, "earshot.limits.max-session-duration-ms",
                4 * 3_600_000L, 1_000, 48 * 3_600_000L);
        idleTimeoutMs = number(source, "earshot.limits.idle-timeout-ms", 300_000, 1_000, 3_600_000);
        startTimeoutMs = number(source, "earshot.limits.start-timeout-ms", 10_000, 500, 300_000);
        maxBinaryPayload = (int) number(source, "earshot.limits.max-binary-payload", 262_144, 1_024, 4_194_304);
        maxTextMessage = (int) number(source, "earshot.limits.max-text-message", 16_384, 1_024, 1_048_576);
        maxSessionsPerClient = (int) number(source, "earshot.limits.max-sessions-per-client", 20, 1, 100_000);
        maxSessions = (int) number(source, "earshot.limits.max-sessions", 200, 1, 100_000);
        maxConnections = (int) number(source, "earshot.limits.max-connections", 400, 1, 200_000);
        maxAudioDownloads = (int) number(source, "earshot.limits.max-audio-downloads", 4, 1, 1_000);
        window = (int) number(source, "earshot.flow.window", 1_024, 1, 65_535);
        eventBuffer = (int) number(source, "earshot.resume.event-buffer", 1_000, 1, 1_000_000);
        outboundQueue = (int) number(source, "earshot.outbound.max-queued", 2_048, 16, 1_000_000);
        retryAfterMs = number(source, "earshot.limits.retry-after-ms", 5_000, 0, 3_600_000);
        flowHighWater = number(source, "earshot.flow.high-water-percent", 75, 1, 100) / 100.0;
        flowLowWater = number(source, "earshot.flow.low-water-percent", 25, 0, 99) / 100.0;
        tickMs = number(source, "earshot.timer.tick-ms", 50, 5, 1_000);
        engine = string(source, "earshot.engine", "sphinx4");
        engineThreads = (int) number(source, "earshot.engine.threads", 2, 1, 64);
        engineMaxLagMs = number(source, "earshot.engine.max-lag-ms", 30_000, 1_000, 3_600_000);
        engineMaxPendingMs = number(source, "earshot.engine.max-pending-ms", 120_000, 10_000, 3_600_000);
        engineEndWaitMs = number(source, "earshot.engine.end-wait-ms", 30_000, 0, 3_600_000);
        engineBreakerFailures = (int) number(source, "earshot.engine.breaker.failures", 5, 1, 1_000);
        engineBreakerOpenMs = number(source, "earshot.engine.breaker.open-ms", 30_000, 100, 3_600_000);
        sphinx4AbsoluteBeamWidth = number(source, "earshot.engine.sphinx4.absolute-beam-width", 4_000, 10,
                1_000_000);
        sphinx4RelativeBeamWidth = probability(source, "earshot.engine.sphinx4.relative-beam-width", 1e-60);
        sphinx4AbsoluteWordBeamWidth = number(source, "earshot.engine.sphinx4.absolute-word-beam-width", 100, 1,
                100_000);
        sphinx4RelativeWordBeamWidth = probability(source, "earshot.engine.sphinx4.relative-word-beam-width", 1e-40);
        sphinx4LanguageWeight = number(source, "earshot.engine.sphinx4.language-weight", 6, 1, 30);
        sphinx4WordInsertionProbability = probability(source, "earshot.engine.sphinx4.word-insertion-probability",
                0.1);
        jobsDir = Path.of(string(source, "earshot.jobs.dir", "data/jobs"));
        jobsExecutor = string(source, "earshot.jobs.executor", "concurrent/earshot-jobs");
        jobsConcurrency = (int) number(source, "earshot.jobs.concurrency", 1, 1, 64);
        jobsMaxQueued = (int) number(source, "earshot.jobs.max-queued", 20, 1, 100_000);
        jobsMaxJobs = (int) number(source, "earshot.jobs.max-jobs", 10_000, 1, 1_000_000);
        jobsMaxUploadBytes = number(source, "earshot.jobs.max-upload-bytes", 1L << 30, 1_024, 1L << 40);
        jobsMaxAudioMs = number(source, "earshot.jobs.max-audio-ms", 2 * 3_600_000L, 1_000, 12 * 3_600_000L);
        jobsUploadExpiryMs = number(source, "earshot.jobs.upload-expiry-ms", 24 * 3_600_000L, 1_000,
                30 * 24 * 3_600_000L);
        jobsAudioRetentionMs = number(source, "earshot.jobs.audio-retention-ms", 24 * 3_600_000L, 0,
                365 * 24 * 3_600_000L);
        jobsRetentionMs = number(source, "earshot.jobs.retention-ms", 7 * 24 * 3_600_000L, 1_000,
                3_650 * 24 * 3_600_000L);
        jobsMaxAttempts = (int) number(source, "earshot.jobs.max-attempts", 3, 1, 100);
        jobsMaxWaitS = number(source, "earshot.jobs.max-wait-s", 60, 1, 600);
        jobsMaxLongPolls = (int) number(source, "earshot.jobs.max-long-polls", 256, 1, 100_000);
        jobsEventHistory = (int) number(source, "earshot.jobs.event-history", 64, 1, 10_000);
        jobsMaxSubscribers = (int) number(source, "earshot.jobs.max-subscribers", 256, 1, 100_000);
        allowedOrigins = origins(string(source, "earshot.security.allowed-origins", ""));
        connectionsPerMinute = (int) number(source, "earshot.limits.connections-per-minute", 120, 1, 1_000_000);
        audioSecondsPerMinute = (int) number(source, "earshot.limits.audio-seconds-per-minute", 1_200, 1, 10_000_000);
        uploadBytesPerMinute = number(source, "earshot.limits.upload-bytes-per-minute", 4L << 30, 1_024, 1L << 50);
        rateLimitClients = (int) number(source, "earshot.limits.rate-limit-clients", 10_000, 1, 10_000_000);
        String authMode = string(source, "earshot.auth.mode", "keys").toLowerCase(Locale.ROOT);
        if (!authMode.equals("keys") && !authMode.equals("none")) {
            throw new IllegalArgumentException("earshot.auth.mode must be keys or none, got '" + authMode + "'");
        }
        authRequired = authMode.equals("keys");
        java.util.List<String> keys = new java.util.ArrayList<>();
        for (String k : string(source, "earshot.auth.keys", "").split(",")) {
            if (!k.isBlank()) {
                keys.add(k.trim());
            }
        }
        authKeys = java.util.List.copyOf(keys);
        String secret = source.apply("earshot.auth.token-secret");
        authTokenSecret = secret == null || secret.isBlank() ? null : secret.trim();
        if (authTokenSecret != null && authTokenSecret.length() < 32) {
            throw new IllegalArgumentException("earshot.auth.token-secret must be at least 32 characters");
        }
        authTokenMaxTtlS = number(source, "earshot.auth.token-max-ttl-s", 3_600, 10, 7 * 24 * 3_600L);
        authTokenTtlS = number(source, "earshot.auth.token-ttl-s", 600, 10, 7 * 24 * 3_600L);
        if (authTokenTtlS > authTokenMaxTtlS) {
            throw new IllegalArgumentException("earshot.auth.token-ttl-s must not be above earshot.auth.token-max-ttl-s");
        }
        if (jobsAudioRetentionMs > jobsRetentionMs) {
            throw new IllegalArgumentException(
                    "earshot.jobs.audio-retention-ms must not be above earshot.jobs.retention-ms");
        }
        if (engineMaxPendingMs <= engineMaxLagMs) {
            throw new IllegalArgumentException(
                    "earshot.engine.max-pending-ms must be above earshot.engine.max-lag-ms");
        }
        if (flowLowWater >= flowHighWater) {
            throw new IllegalArgumentException(
                    "earshot.flow.low-water-percent must be below earshot.flow.high-water-percent");
        }
    }

    /** "https://a.example, http://localhost:3000/" → normalized origins (scheme://host[:port], lower case). */
    private static java.util.List<String> origins(String list) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String o : list.split(",")) {
            String t = o.trim().toLowerCase(Locale.ROOT);
            while (t.endsWith("/")) {
                t = t.substring(0, t.length() - 1);
            }
            if (t.isEmpty()) {
                continue;
            }
            if (!t.equals("*") && !t.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("earshot.security.allowed-origins: '" + o.trim()
                        + "' is not an origin such as https://app.example.com (or *)");
            }
            out.add(t);
        }
        return java.util.List.copyOf(out);
    }

    private static volatile EarshotConfig current;

    /** The settings of this JVM, read on first use and kept. */
    public static EarshotConfig current() {
        EarshotConfig c = current;
        if (c == null) {
            c = fromEnvironment();
            current = c;
        }
        return c;
    }

    /** Reads the settings of this JVM: system properties first, then environment variables. */
    public static EarshotConfig fromEnvironment() {
        return fromSources(System.getProperties()::getProperty, System.getenv());
    }

    /** Reads settings from the given lookup (used by unit tests). */
    public static EarshotConfig from(Map<String, String> values) {
        return new EarshotConfig(values::get);
    }

    private static EarshotConfig fromSources(Function<String, String> properties, Map<String, String> env) {
        return new EarshotConfig(key -> {
            String value = properties.apply(key);
            return value != null ? value : env.get(envName(key));
        });
    }

    /** {@code earshot.limits.max-sessions} becomes {@code EARSHOT_LIMITS_MAX_SESSIONS}. */
    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String string(Function<String, String> source, String key, String fallback) {
        String value = source.apply(key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    /** A probability such as {@code 1e-50}: above 0, at most 1. */
    private static double probability(Function<String, String> source, String key, double fallback) {
        String value = source.apply(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        double parsed;
        try {
            parsed = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number such as 1e-50, got '" + value + "'", e);
        }
        if (!(parsed > 0 && parsed <= 1)) {
            throw new IllegalArgumentException(key + " must be above 0 and at most 1, got " + value.trim());
        }
        return parsed;
    }

    private static long number(Function<String, String> source, String key, long fallback, long min, long max) {
        String value = source.apply(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'", e);
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + parsed);
        }
        return parsed;
    }
}
