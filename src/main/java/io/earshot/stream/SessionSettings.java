package io.earshot.stream;

import static java.util.stream.Collectors.joining;

import io.earshot.audio.AudioCodec;
import io.earshot.config.EarshotConfig.Durability;
import io.earshot.config.EarshotConfig;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.ErrorCode;
import io.earshot.protocol.ServerMessage;
import io.earshot.spool.SessionManifest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What a {@code start} negotiated: audio format, durability, features and the limits in force. */
record SessionSettings(AudioCodec codec, int sampleRate, int channels, Durability durability, List<String> features,
        long maxDurationMs, long idleTimeoutMs, long resumeGraceMs, long heartbeatIntervalMs, boolean transcribe) {

    static final List<String> FEATURES = List.of("marks");
    static final long MIN_HEARTBEAT_MS = 500;
    static final long MIN_IDLE_MS = 1_000;
    static final long MIN_DURATION_MS = 1_000;

    /** Negotiation outcome: settings, or the error to send. */
    sealed interface Outcome {
    }

    record Agreed(SessionSettings settings) implements Outcome {
    }

    record Refused(ServerMessage.Error error) implements Outcome {
    }

    static Outcome negotiate(ClientMessage.Start start, EarshotConfig config) {
        List<String> offered = start.codecs();
        if (offered == null || offered.isEmpty()) {
            return refuse(ErrorCode.BAD_MESSAGE, "start must offer at least one codec in \"codecs\".",
                    "e.g. \"codecs\": [\"pcm_s16le\"]");
        }
        List<AudioCodec> known = new ArrayList<>();
        for (String c : offered) {
            AudioCodec codec = AudioCodec.fromWire(c);
            if (codec != null && !known.contains(codec)) {
                known.add(codec);
            }
        }
        if (known.isEmpty()) {
            return new Refused(ServerMessage.Error.of(ErrorCode.UNSUPPORTED_CODEC,
                    "None of the offered codecs is supported.", "offered " + clip(offered))
                    .withSupported(AudioCodec.wireNames()));
        }
        if (start.sampleRate() == null || start.channels() == null) {
            return refuse(ErrorCode.BAD_MESSAGE, "start must give \"sample_rate\" and \"channels\".",
                    "sample_rate=" + start.sampleRate() + " channels=" + start.channels());
        }
        if (!AudioCodec.CHANNELS.contains(start.channels())) {
            return refuse(ErrorCode.UNSUPPORTED_AUDIO_FORMAT,
                    start.channels() + " channels are not supported.", "channels must be 1 or 2");
        }
        // The first offered codec that takes this sample rate: a client offering opus then pcm_s16le at
        // 44.1 kHz gets PCM, since Opus has no 44.1 kHz mode.
        AudioCodec codec = known.stream().filter(c -> c.supportsRate(start.sampleRate())).findFirst().orElse(null);
        if (codec == null) {
            StringBuilder rates = new StringBuilder();
            for (AudioCodec c : known) {
                rates.append(rates.length() == 0 ? "" : "; ").append(c.wireName()).append(": ")
                        .append(c.sampleRates().stream().map(String::valueOf).collect(joining(", ")));
            }
            return refuse(ErrorCode.UNSUPPORTED_AUDIO_FORMAT,
                    "Sample rate " + start.sampleRate() + " Hz is not supported for "
                            + known.stream().map(AudioCodec::wireName).collect(joining(" or ")) + ".",
                    "supported rates: " + rates);
        }
        Durability durability = config.durability;
        if (start.durability() != null) {
            Durability asked;
            try {
                asked = Durability.valueOf(start.durability().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return refuse(ErrorCode.BAD_MESSAGE, "\"durability\" must be \"os\" or \"disk\".",
                        "got " + clip(start.durability()));
            }
            // A client may ask for stronger durability than the server's, never weaker.
            if (asked == Durability.DISK) {
                durability = Durability.DISK;
            }
        }
        List<String> features = new ArrayList<>();
        if (start.features() != null) {
            for (String f : start.features()) {
                if (f != null && FEATURES.contains(f) && !features.contains(f)) {
                    features.add(f);
                }
            }
        }
        ClientMessage.RequestedLimits asked = start.limits();
        long maxDuration = config.maxSessionDurationMs;
        long idle = config.idleTimeoutMs;
        long grace = config.resumeGraceMs;
        long heartbeat = config.heartbeatIntervalMs;
        if (asked != null) {
            maxDuration = tighter(maxDuration, asked.maxSessionDurationMs(), MIN_DURATION_MS);
            idle = tighter(idle, asked.idleTimeoutMs(), MIN_IDLE_MS);
            grace = tighter(grace, asked.resumeGraceMs(), 0);
            heartbeat = tighter(heartbeat, asked.heartbeatIntervalMs(), MIN_HEARTBEAT_MS);
        }
        return new Agreed(new SessionSettings(codec, start.sampleRate(), start.channels(), durability,
                List.copyOf(features), maxDuration, idle, grace, heartbeat, start.transcribe() == null
                        || start.transcribe()));
    }

    /**
     * The settings a session recorded in its manifest, to restore it after a restart, or null when they cannot be
     * read. Limits the manifest does not hold (older sessions) are the server's; none is above the server's
     * current value.
     */
    static SessionSettings stored(SessionManifest m, EarshotConfig config) {
        AudioCodec codec = AudioCodec.fromWire(m.codec());
        Durability durability;
        try {
            durability = Durability.valueOf(m.durability().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (codec == null || m.sampleRate() <= 0 || m.channels() <= 0) {
            return null;
        }
        SessionManifest.Limits l = m.limits();
        return new SessionSettings(codec, m.sampleRate(), m.channels(), durability, FEATURES,
                tighter(config.maxSessionDurationMs, l.maxSessionDurationMs(), MIN_DURATION_MS),
                tighter(config.idleTimeoutMs, l.idleTimeoutMs(), MIN_IDLE_MS),
                tighter(config.resumeGraceMs, l.resumeGraceMs(), 0),
                tighter(config.heartbeatIntervalMs, l.heartbeatIntervalMs(), MIN_HEARTBEAT_MS),
                m.transcribe());
    }

    /** What the manifest records of these settings. */
    SessionManifest.Limits manifestLimits() {
        return new SessionManifest.Limits(maxDurationMs, idleTimeoutMs, resumeGraceMs, heartbeatIntervalMs);
    }

    /** Bytes in one PCM sample frame, which every PCM chunk must be a whole number of; 1 for Opus. */
    int frameBytes() {
        return codec == AudioCodec.PCM_S16LE ? 2 * channels : 1;
    }

    ServerMessage.Codec codecInfo() {
        return new ServerMessage.Codec(codec.wireName(), sampleRate, channels);
    }

    private static long tighter(long serverValue, Long asked, long floor) {
        if (asked == null) {
            return serverValue;
        }
        return Math.max(floor, Math.min(serverValue, asked));
    }

    private static Refused refuse(ErrorCode code, String message, String detail) {
        return new Refused(ServerMessage.Error.of(code, message, detail));
    }

    private static String clip(Object value) {
        String s = String.valueOf(value);
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
