package io.earshot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig.Durability;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every setting has a default, a documented range, and an error naming the key when it is set wrongly. */
class EarshotConfigTest {

    /** One numeric setting as documented in the configuration reference. */
    record Setting(String key, long defaultValue, long min, long max, ToLongFunction<EarshotConfig> read) {
        @Override
        public String toString() {
            return key;
        }
    }

    static Stream<Setting> numericSettings() {
        return Stream.of(
                new Setting("earshot.spool.force-interval-ms", 50, 1, 10_000, c -> c.forceIntervalMs),
                new Setting("earshot.heartbeat.interval-ms", 30_000, 500, 300_000, c -> c.heartbeatIntervalMs),
                new Setting("earshot.resume.grace-ms", 120_000, 0, 3_600_000, c -> c.resumeGraceMs),
                new Setting("earshot.resume.event-buffer", 1_000, 1, 1_000_000, c -> c.eventBuffer),
                new Setting("earshot.limits.max-session-duration-ms", 14_400_000, 1_000, 172_800_000,
                        c -> c.maxSessionDurationMs),
                new Setting("earshot.limits.idle-timeout-ms", 300_000, 1_000, 3_600_000, c -> c.idleTimeoutMs),
                new Setting("earshot.limits.start-timeout-ms", 10_000, 500, 300_000, c -> c.startTimeoutMs),
                new Setting("earshot.limits.max-binary-payload", 262_144, 1_024, 4_194_304, c -> c.maxBinaryPayload),
                new Setting("earshot.limits.max-text-message", 16_384, 1_024, 1_048_576, c -> c.maxTextMessage),
                new Setting("earshot.limits.max-sessions-per-client", 20, 1, 100_000, c -> c.maxSessionsPerClient),
                new Setting("earshot.limits.max-sessions", 200, 1, 100_000, c -> c.maxSessions),
                new Setting("earshot.limits.max-connections", 400, 1, 200_000, c -> c.maxConnections),
                new Setting("earshot.limits.retry-after-ms", 5_000, 0, 3_600_000, c -> c.retryAfterMs),
                new Setting("earshot.flow.window", 1_024, 1, 65_535, c -> c.window),
                new Setting("earshot.flow.high-water-percent", 75, 1, 100, c -> Math.round(c.flowHighWater * 100)),
                new Setting("earshot.flow.low-water-percent", 25, 0, 99, c -> Math.round(c.flowLowWater * 100)),
                new Setting("earshot.outbound.max-queued", 2_048, 16, 1_000_000, c -> c.outboundQueue),
                new Setting("earshot.timer.tick-ms", 50, 5, 1_000, c -> c.tickMs));
    }

    // ---- defaults --------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("numericSettings")
    void unsetNumberTakesItsDefault(Setting setting) {
        assertEquals(setting.defaultValue(), setting.read().applyAsLong(EarshotConfig.from(Map.of())));
    }

    @Test
    void spoolDirDefaultsToDataSpool() {
        assertEquals(Path.of("data/spool"), EarshotConfig.from(Map.of()).spoolDir);
    }

    @Test
    void durabilityDefaultsToOs() {
        assertEquals(Durability.OS, EarshotConfig.from(Map.of()).durability);
    }

    @Test
    void waterMarksAreFractions() {
        EarshotConfig config = EarshotConfig.from(Map.of());

        assertEquals(0.75, config.flowHighWater);
        assertEquals(0.25, config.flowLowWater);
    }

    @ParameterizedTest
    @MethodSource("numericSettings")
    void emptyOrBlankValueMeansTheDefault(Setting setting) {
        assertEquals(setting.defaultValue(), setting.read().applyAsLong(EarshotConfig.from(Map.of(setting.key(), ""))));
        assertEquals(setting.defaultValue(), setting.read().applyAsLong(EarshotConfig.from(Map.of(setting.key(), " \t"))));
    }

    @Test
    void unknownKeysAreIgnored() {
        EarshotConfig config = EarshotConfig.from(Map.of("earshot.no.such.setting", "banana"));

        assertEquals(1_024, config.window);
    }

    // ---- numbers ---------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("numericSettings")
    void bothEndsOfTheRangeAreAccepted(Setting setting) {
        assertEquals(setting.min(), setting.read().applyAsLong(configWith(setting, setting.min())));
        assertEquals(setting.max(), setting.read().applyAsLong(configWith(setting, setting.max())));
    }

    @ParameterizedTest
    @MethodSource("numericSettings")
    void valueBelowTheRangeIsRejectedNamingKeyAndRange(Setting setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EarshotConfig.from(Map.of(setting.key(), String.valueOf(setting.min() - 1))));

        assertEquals(setting.key() + " must be between " + setting.min() + " and " + setting.max() + ", got "
                + (setting.min() - 1), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("numericSettings")
    void valueAboveTheRangeIsRejectedNamingKeyAndRange(Setting setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EarshotConfig.from(Map.of(setting.key(), String.valueOf(setting.max() + 1))));

        assertEquals(setting.key() + " must be between " + setting.min() + " and " + setting.max() + ", got "
                + (setting.max() + 1), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.5", "1e3", "12ms", "0x10", "1,000", "- 5", "99999999999999999999"})
    void valueThatIsNotAWholeNumberIsRejectedNamingTheKey(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EarshotConfig.from(Map.of("earshot.flow.window", value)));

        assertEquals("earshot.flow.window must be a whole number, got '" + value + "'", e.getMessage());
    }

    @Test
    void underscoresSeparateDigits() {
        EarshotConfig config = EarshotConfig.from(Map.of("earshot.limits.max-session-duration-ms", "14_400_000",
                "earshot.limits.max-binary-payload", "1_048_576"));

        assertEquals(14_400_000, config.maxSessionDurationMs);
        assertEquals(1_048_576, config.maxBinaryPayload);
    }

    @Test
    void surroundingSpacesAreIgnored() {
        assertEquals(64, EarshotConfig.from(Map.of("earshot.flow.window", "  64 \n")).window);
    }

    @Test
    void explicitPlusSignIsAccepted() {
        assertEquals(64, EarshotConfig.from(Map.of("earshot.flow.window", "+64")).window);
    }

    // ---- water marks -----------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"50, 50", "60, 50", "99, 1"})
    void lowWaterMustBeBelowHighWater(int low, int high) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EarshotConfig.from(Map.of("earshot.flow.low-water-percent", String.valueOf(low),
                        "earshot.flow.high-water-percent", String.valueOf(high))));

        assertEquals("earshot.flow.low-water-percent must be below earshot.flow.high-water-percent", e.getMessage());
    }

    @Test
    void lowWaterJustBelowHighWaterIsAccepted() {
        EarshotConfig config = EarshotConfig.from(Map.of("earshot.flow.low-water-percent", "49",
                "earshot.flow.high-water-percent", "50"));

        assertEquals(0.49, config.flowLowWater);
        assertEquals(0.50, config.flowHighWater);
    }

    @Test
    void raisingOnlyLowWaterToTheDefaultHighWaterIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> EarshotConfig.from(Map.of("earshot.flow.low-water-percent", "75")));
    }

    // ---- strings ---------------------------------------------------------------------------------

    @Test
    void spoolDirIsTakenAsGivenTrimmed() {
        assertEquals(Path.of("/var/lib/earshot"),
                EarshotConfig.from(Map.of("earshot.spool.dir", " /var/lib/earshot ")).spoolDir);
    }

    @ParameterizedTest
    @CsvSource({"os, OS", "disk, DISK", "DISK, DISK", "Os, OS", "' disk ', DISK"})
    void durabilityIsCaseInsensitive(String value, Durability expected) {
        assertEquals(expected, EarshotConfig.from(Map.of("earshot.spool.durability", value)).durability);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fsync", "none", "o s"})
    void unknownDurabilityIsRejectedNamingTheKey(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EarshotConfig.from(Map.of("earshot.spool.durability", value)));

        assertTrue(e.getMessage().startsWith("earshot.spool.durability "), e.getMessage());
    }

    @Test
    void durabilityWireNamesAreLowerCase() {
        assertEquals(List.of("os", "disk"), Stream.of(Durability.values()).map(Durability::wireName).toList());
    }

    // ---- environment variable names ------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "earshot.limits.max-sessions, EARSHOT_LIMITS_MAX_SESSIONS",
        "earshot.spool.dir, EARSHOT_SPOOL_DIR",
        "earshot.spool.force-interval-ms, EARSHOT_SPOOL_FORCE_INTERVAL_MS",
        "earshot.flow.high-water-percent, EARSHOT_FLOW_HIGH_WATER_PERCENT",
        "earshot.limits.max-sessions-per-client, EARSHOT_LIMITS_MAX_SESSIONS_PER_CLIENT"})
    void environmentVariableNameIsUpperCaseWithUnderscores(String key, String env) {
        assertEquals(env, EarshotConfig.envName(key));
    }

    @ParameterizedTest
    @MethodSource("numericSettings")
    void everyEnvironmentVariableNameIsAValidShellName(Setting setting) {
        assertTrue(EarshotConfig.envName(setting.key()).matches("EARSHOT_[A-Z0-9_]+"),
                EarshotConfig.envName(setting.key()));
    }

    @Test
    void envNameIsLocaleIndependent() {
        Locale previous = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr-TR"));
        try {
            assertEquals("EARSHOT_LIMITS_IDLE_TIMEOUT_MS", EarshotConfig.envName("earshot.limits.idle-timeout-ms"));
        } finally {
            Locale.setDefault(previous);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** A config with {@code setting} at {@code value}, and the other water mark moved out of the way if needed. */
    private static EarshotConfig configWith(Setting setting, long value) {
        Map<String, String> values = new HashMap<>();
        values.put(setting.key(), String.valueOf(value));
        if (setting.key().equals("earshot.flow.high-water-percent")) {
            values.put("earshot.flow.low-water-percent", "0");
        } else if (setting.key().equals("earshot.flow.low-water-percent")) {
            values.put("earshot.flow.high-water-percent", "100");
        }
        return EarshotConfig.from(values);
    }
}
