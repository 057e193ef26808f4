package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.audio.AudioCodec;
import io.earshot.config.EarshotConfig;
import io.earshot.config.EarshotConfig.Durability;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.ClientMessage.RequestedLimits;
import io.earshot.protocol.ServerMessage;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a {@code start} negotiates: codec, audio format, durability, features and limits. */
class SessionSettingsTest {

    private static final EarshotConfig DEFAULTS = EarshotConfig.from(Map.of());
    private static final EarshotConfig DISK_SERVER = EarshotConfig.from(Map.of("earshot.spool.durability", "disk"));

    // ---- codec -----------------------------------------------------------------------------------

    @Test
    void firstSupportedCodecInTheClientsOrderIsChosen() {
        assertEquals(AudioCodec.OPUS, agreed(start().codecs("flac", "opus", "pcm_s16le")).codec());
        assertEquals(AudioCodec.PCM_S16LE, agreed(start().codecs("flac", "pcm_s16le", "opus")).codec());
    }

    @Test
    void aCodecThatCannotTakeTheRateIsPassedOverForTheNextOffered() {
        SessionSettings settings = agreed(start().codecs("opus", "pcm_s16le").rate(44_100));

        assertEquals(AudioCodec.PCM_S16LE, settings.codec());
        assertEquals(new ServerMessage.Codec("pcm_s16le", 44_100, 1), settings.codecInfo());
    }

    @Test
    void aRateNoOfferedCodecTakesIsUnsupportedAudioFormatNamingTheRates() {
        ServerMessage.Error error = refused(start().codecs("opus").rate(44_100));

        assertEquals("unsupported_audio_format", error.code());
        assertTrue(error.detail().contains("opus: 8000, 12000, 16000, 24000, 48000"), error.detail());
    }

    @ParameterizedTest
    @ValueSource(ints = {8_000, 12_000, 16_000, 24_000, 48_000})
    void everyOpusRateIsAccepted(int rate) {
        SessionSettings settings = agreed(start().codecs("opus").rate(rate).channels(2));

        assertEquals(new ServerMessage.Codec("opus", rate, 2), settings.codecInfo());
        assertEquals(1, settings.frameBytes());
    }

    @Test
    void codecNamesMatchCaseInsensitivelyAndAreReportedInLowerCase() {
        SessionSettings settings = agreed(start().codecs("PCM_S16LE"));

        assertEquals(AudioCodec.PCM_S16LE, settings.codec());
        assertEquals(new ServerMessage.Codec("pcm_s16le", 16_000, 1), settings.codecInfo());
    }

    @Test
    void nullEntriesInTheCodecListAreSkipped() {
        SessionSettings settings = agreed(start().codecs(null, "pcm_s16le"));

        assertEquals(AudioCodec.PCM_S16LE, settings.codec());
    }

    @Test
    void noSupportedCodecIsUnsupportedCodecListingWhatIsSupported() {
        ServerMessage.Error error = refused(start().codecs("vorbis", "flac"));

        assertEquals("unsupported_codec", error.code());
        assertEquals(List.of("opus", "pcm_s16le"), error.supported());
        assertFalse(error.fatal());
        assertTrue(error.detail().contains("vorbis"), error.detail());
    }

    @Test
    void missingCodecListIsBadMessage() {
        assertEquals("bad_message", refused(start().codecs((List<String>) null)).code());
    }

    @Test
    void emptyCodecListIsBadMessage() {
        assertEquals("bad_message", refused(start().codecs(List.of())).code());
    }

    // ---- audio format ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000})
    void everyPcmRateIsAccepted(int rate) {
        assertEquals(rate, agreed(start().rate(rate)).sampleRate());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -16_000, 11_025, 16_001, 96_000, Integer.MAX_VALUE})
    void otherRatesAreUnsupportedAudioFormat(int rate) {
        assertEquals("unsupported_audio_format", refused(start().rate(rate)).code());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void monoAndStereoAreAccepted(int channels) {
        assertEquals(channels, agreed(start().channels(channels)).channels());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 3, 8})
    void otherChannelCountsAreUnsupportedAudioFormat(int channels) {
        assertEquals("unsupported_audio_format", refused(start().channels(channels)).code());
    }

    @Test
    void missingSampleRateIsBadMessage() {
        assertEquals("bad_message", refused(start().rate(null)).code());
    }

    @Test
    void missingChannelsIsBadMessage() {
        assertEquals("bad_message", refused(start().channels(null)).code());
    }

    @Test
    void pcmSizesFollowFromRateAndChannels() {
        SessionSettings settings = agreed(start().rate(48_000).channels(2));

        assertEquals(4, settings.frameBytes());
    }

    // ---- durability ------------------------------------------------------------------------------

    @Test
    void durabilityDefaultsToTheServers() {
        assertEquals(Durability.OS, agreed(start()).durability());
        assertEquals(Durability.DISK, agreed(start(), DISK_SERVER).durability());
    }

    @Test
    void clientMayAskForDiskOnAnOsServer() {
        assertEquals(Durability.DISK, agreed(start().durability("disk")).durability());
    }

    @Test
    void clientCannotWeakenADiskServerToOs() {
        assertEquals(Durability.DISK, agreed(start().durability("os"), DISK_SERVER).durability());
    }

    @Test
    void durabilityIsCaseInsensitive() {
        assertEquals(Durability.DISK, agreed(start().durability("DiSk")).durability());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fsync", "none", " disk"})
    void unknownDurabilityIsBadMessage(String durability) {
        assertEquals("bad_message", refused(start().durability(durability)).code());
    }

    // ---- features --------------------------------------------------------------------------------

    @Test
    void supportedFeaturesAreKeptAndUnknownOnesDropped() {
        assertEquals(List.of("marks"), agreed(start().features("captions", "marks", "diarization")).features());
    }

    @Test
    void repeatedFeatureIsListedOnce() {
        assertEquals(List.of("marks"), agreed(start().features("marks", "marks")).features());
    }

    @Test
    void noFeaturesRequestedMeansNone() {
        assertEquals(List.of(), agreed(start()).features());
    }

    @Test
    void featureNamesAreCaseSensitive() {
        assertEquals(List.of(), agreed(start().features("MARKS")).features());
    }

    @Test
    void nullFeatureEntryIsIgnored() {
        assertEquals(List.of("marks"), agreed(start().features(null, "marks")).features());
    }

    // ---- limits ----------------------------------------------------------------------------------

    @Test
    void withoutRequestedLimitsTheServersApply() {
        SessionSettings settings = agreed(start());

        assertEquals(DEFAULTS.maxSessionDurationMs, settings.maxDurationMs());
        assertEquals(DEFAULTS.idleTimeoutMs, settings.idleTimeoutMs());
        assertEquals(DEFAULTS.resumeGraceMs, settings.resumeGraceMs());
        assertEquals(DEFAULTS.heartbeatIntervalMs, settings.heartbeatIntervalMs());
    }

    @Test
    void tighterRequestedLimitsAreGranted() {
        SessionSettings settings = agreed(start().limits(new RequestedLimits(60_000L, 10_000L, 5_000L, 2_000L)));

        assertEquals(60_000, settings.maxDurationMs());
        assertEquals(10_000, settings.idleTimeoutMs());
        assertEquals(5_000, settings.resumeGraceMs());
        assertEquals(2_000, settings.heartbeatIntervalMs());
    }

    @Test
    void requestedLimitsAreNeverLooserThanTheServers() {
        SessionSettings settings = agreed(start().limits(
                new RequestedLimits(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE)));

        assertEquals(DEFAULTS.maxSessionDurationMs, settings.maxDurationMs());
        assertEquals(DEFAULTS.idleTimeoutMs, settings.idleTimeoutMs());
        assertEquals(DEFAULTS.resumeGraceMs, settings.resumeGraceMs());
        assertEquals(DEFAULTS.heartbeatIntervalMs, settings.heartbeatIntervalMs());
    }

    @Test
    void requestedLimitsAreNeverBelowTheMinimums() {
        SessionSettings settings = agreed(start().limits(new RequestedLimits(1L, 0L, -5L, 10L)));

        assertEquals(SessionSettings.MIN_DURATION_MS, settings.maxDurationMs());
        assertEquals(SessionSettings.MIN_IDLE_MS, settings.idleTimeoutMs());
        assertEquals(0, settings.resumeGraceMs());
        assertEquals(SessionSettings.MIN_HEARTBEAT_MS, settings.heartbeatIntervalMs());
    }

    @Test
    void limitsNotRequestedKeepTheServersValue() {
        SessionSettings settings = agreed(start().limits(new RequestedLimits(null, 5_000L, null, null)));

        assertEquals(DEFAULTS.maxSessionDurationMs, settings.maxDurationMs());
        assertEquals(5_000, settings.idleTimeoutMs());
        assertEquals(DEFAULTS.resumeGraceMs, settings.resumeGraceMs());
        assertEquals(DEFAULTS.heartbeatIntervalMs, settings.heartbeatIntervalMs());
    }

    @Test
    void serverAtItsMinimumCannotBeTightenedFurther() {
        EarshotConfig tight = EarshotConfig.from(Map.of("earshot.heartbeat.interval-ms", "500",
                "earshot.limits.idle-timeout-ms", "1000"));

        SessionSettings settings = agreed(start().limits(new RequestedLimits(null, 1L, null, 1L)), tight);

        assertEquals(500, settings.heartbeatIntervalMs());
        assertEquals(1_000, settings.idleTimeoutMs());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static SessionSettings agreed(StartBuilder start) {
        return agreed(start, DEFAULTS);
    }

    private static SessionSettings agreed(StartBuilder start, EarshotConfig config) {
        SessionSettings.Outcome outcome = SessionSettings.negotiate(start.build(), config);
        return assertInstanceOf(SessionSettings.Agreed.class, outcome, () -> "refused: " + outcome).settings();
    }

    private static ServerMessage.Error refused(StartBuilder start) {
        SessionSettings.Outcome outcome = SessionSettings.negotiate(start.build(), DEFAULTS);
        return assertInstanceOf(SessionSettings.Refused.class, outcome, () -> "agreed: " + outcome).error();
    }

    private static StartBuilder start() {
        return new StartBuilder();
    }

    /** A valid {@code start} (pcm_s16le, 16 kHz, mono) to vary one field at a time. */
    private static final class StartBuilder {
        private List<String> codecs = List.of("pcm_s16le");
        private Integer rate = 16_000;
        private Integer channels = 1;
        private List<String> features;
        private String durability;
        private RequestedLimits limits;

        StartBuilder codecs(String... values) {
            codecs = Arrays.asList(values);
            return this;
        }

        StartBuilder codecs(List<String> values) {
            codecs = values;
            return this;
        }

        StartBuilder rate(Integer value) {
            rate = value;
            return this;
        }

        StartBuilder channels(Integer value) {
            channels = value;
            return this;
        }

        StartBuilder features(String... values) {
            features = Arrays.asList(values);
            return this;
        }

        StartBuilder durability(String value) {
            durability = value;
            return this;
        }

        StartBuilder limits(RequestedLimits value) {
            limits = value;
            return this;
        }

        ClientMessage.Start build() {
            return new ClientMessage.Start(codecs, rate, channels, features, durability, limits, null, null);
        }
    }
}
