package io.earshot.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Server text messages: a JSON object whose first field is {@code type}, snake_case names, nulls left out. */
class ServerMessageEncoderTest {

    private final ServerMessageEncoder encoder = new ServerMessageEncoder();

    static Stream<ServerMessage> everyMessageType() {
        return Stream.of(
                started(),
                new ServerMessage.Ack(12),
                new ServerMessage.Heartbeat(1_000),
                new ServerMessage.Pong(5L, 6),
                new ServerMessage.Flow("slow_down", "unacked", 800, 1024, 0),
                ServerMessage.Error.of(ErrorCode.OUT_OF_ORDER, "m", "d"),
                new ServerMessage.MarkReached(3, "m1", 40),
                new ServerMessage.Ended(4, "client_end", 40, 40, 1_280, 40, 0, "complete"),
                new ServerMessage.GoingAway("s_1", "tok", 40, 4, 5_000, "/v1/sessions/s_1/job"));
    }

    @ParameterizedTest
    @MethodSource("everyMessageType")
    void typeIsTheFirstField(ServerMessage message) {
        String json = encoder.encode(message);

        assertTrue(json.startsWith("{\"type\":\""), json);
    }

    @Test
    void eachRecordHasItsWireTypeName() throws Exception {
        List<String> types = new ArrayList<>();
        for (ServerMessage m : everyMessageType().toList()) {
            types.add(parse(encoder.encode(m)).get("type").asText());
        }

        assertEquals(List.of("started", "ack", "heartbeat", "pong", "flow", "error", "mark", "ended", "going_away"),
                types);
    }

    @Test
    void goingAwayNamesEverythingNeededToGoOn() {
        assertEquals("{\"type\":\"going_away\",\"session_id\":\"s_1\",\"resume_token\":\"tok\",\"last_seq\":40,"
                + "\"last_event_seq\":4,\"retry_after_ms\":5000,\"handoff\":\"/v1/sessions/s_1/job\"}",
                encoder.encode(new ServerMessage.GoingAway("s_1", "tok", 40, 4, 5_000, "/v1/sessions/s_1/job")));
    }

    @Test
    void endedNamesItsJob() {
        assertTrue(encoder.encode(new ServerMessage.Ended(9, "client_end", 9, 9, 90, 3, 0, "handed_off", "j_x"))
                .endsWith("\"transcription\":\"handed_off\",\"job_id\":\"j_x\"}"));
        assertTrue(!encoder.encode(new ServerMessage.Ended(9, "client_end", 9, 9, 90, 3, 0, "complete"))
                .contains("job_id"));
    }

    @Test
    void ackIsTypeAndSeqOnly() {
        assertEquals("{\"type\":\"ack\",\"seq\":12}", encoder.encode(new ServerMessage.Ack(12)));
    }

    @Test
    void heartbeatCarriesServerTsInSnakeCase() {
        assertEquals("{\"type\":\"heartbeat\",\"server_ts\":1000}", encoder.encode(new ServerMessage.Heartbeat(1_000)));
    }

    @Test
    void pongWithoutClientTsOmitsTs() {
        assertEquals("{\"type\":\"pong\",\"server_ts\":9}", encoder.encode(new ServerMessage.Pong(null, 9)));
    }

    @Test
    void pongEchoesClientTs() {
        assertEquals("{\"type\":\"pong\",\"ts\":5,\"server_ts\":9}", encoder.encode(new ServerMessage.Pong(5L, 9)));
    }

    @Test
    void flowFieldsAreSnakeCase() {
        assertEquals("{\"type\":\"flow\",\"state\":\"ok\",\"reason\":\"acks\",\"unacked\":1,\"window\":2,"
                + "\"lag_ms\":350}", encoder.encode(new ServerMessage.Flow("ok", "acks", 1, 2, 350)));
    }

    @Test
    void markReachedIsTypeMarkWithEventSeq() {
        assertEquals("{\"type\":\"mark\",\"event_seq\":3,\"name\":\"m1\",\"seq\":40}",
                encoder.encode(new ServerMessage.MarkReached(3, "m1", 40)));
    }

    @Test
    void endedCarriesTotalsInSnakeCase() {
        assertEquals("{\"type\":\"ended\",\"event_seq\":4,\"reason\":\"client_end\",\"last_seq\":40,\"chunks\":40,"
                + "\"bytes\":1280,\"audio_ms\":40,\"bad_audio_chunks\":0,\"transcription\":\"complete\"}",
                encoder.encode(new ServerMessage.Ended(4, "client_end", 40, 40, 1_280, 40, 0, "complete")));
    }

    @Test
    void transcriptCarriesTextWordsTimesAndChunkRange() {
        assertEquals("{\"type\":\"transcript\",\"event_seq\":5,\"status\":\"final\",\"text\":\"he was\","
                + "\"words\":[{\"word\":\"he\",\"start_ms\":310,\"end_ms\":420,\"confidence\":0.9},"
                + "{\"word\":\"was\",\"start_ms\":420,\"end_ms\":700}],\"start_ms\":310,\"end_ms\":700,"
                + "\"first_seq\":15,\"last_seq\":35}",
                encoder.encode(new ServerMessage.Transcript(5, "final", "he was", java.util.List.of(
                        new ServerMessage.TranscriptWord("he", 310, 420, 0.9),
                        new ServerMessage.TranscriptWord("was", 420, 700, null)), null, 310, 700, 15, 35, null)));
    }

    @Test
    void startedUsesSnakeCaseThroughoutIncludingNestedObjects() throws Exception {
        JsonNode json = parse(encoder.encode(started()));

        assertEquals("earshot.v1", json.get("protocol").asText());
        assertEquals("s-1", json.get("session_id").asText());
        assertEquals("tok", json.get("resume_token").asText());
        assertFalse(json.get("resumed").asBoolean());
        assertEquals(2, json.get("attempt").asInt());
        assertEquals(16_000, json.get("codec").get("sample_rate").asInt());
        assertEquals(7, json.get("last_acked_seq").asLong());
        assertEquals(9, json.get("last_event_seq").asLong());
        assertEquals(3, json.get("events_unavailable").get("from").asLong());
        assertEquals(30_000, json.get("heartbeat_interval_ms").asLong());
        assertEquals(262_144, json.get("limits").get("max_binary_payload").asInt());
        assertEquals(1_000, json.get("limits").get("event_buffer").asInt());
        assertEquals("marks", json.get("features").get(0).asText());
        assertNoCamelCaseNames(json);
    }

    @Test
    void startedWithoutResumeTokenOrLostEventsOmitsThem() throws Exception {
        ServerMessage.Started s = started();
        JsonNode json = parse(encoder.encode(new ServerMessage.Started(s.protocol(), s.sessionId(), null, true,
                s.state(), s.attempt(), s.codec(), s.durability(), s.lastAckedSeq(), s.lastEventSeq(), null,
                s.heartbeatIntervalMs(), s.window(), s.limits(), s.features(), true)));

        assertFalse(json.has("resume_token"));
        assertFalse(json.has("events_unavailable"));
        assertTrue(json.get("resumed").asBoolean());
    }

    @Test
    void errorOmitsUnsetOptionalFields() {
        assertEquals("{\"type\":\"error\",\"code\":\"bad_frame\",\"message\":\"m\",\"detail\":\"d\","
                + "\"retryable\":true,\"fatal\":false}",
                encoder.encode(ServerMessage.Error.of(ErrorCode.BAD_FRAME, "m", "d")));
    }

    @Test
    void errorIncludesSetOptionalFieldsInSnakeCase() throws Exception {
        ServerMessage.Error error = ServerMessage.Error.of(ErrorCode.WINDOW_EXCEEDED, "m", "d")
                .withSeq(10).withExpectedSeq(8).withLastAckedSeq(7).withWindow(64).withRetryAfterMs(500)
                .withSupported(List.of("pcm_s16le"));

        JsonNode json = parse(encoder.encode(error));

        assertEquals(10, json.get("seq").asLong());
        assertEquals(8, json.get("expected_seq").asLong());
        assertEquals(7, json.get("last_acked_seq").asLong());
        assertEquals(64, json.get("window").asInt());
        assertEquals(500, json.get("retry_after_ms").asLong());
        assertEquals("pcm_s16le", json.get("supported").get(0).asText());
    }

    // ---- Error ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void errorOfTakesWireNameRetryableAndFatalFromTheCode(ErrorCode code) {
        ServerMessage.Error error = ServerMessage.Error.of(code, "message", "detail");

        assertEquals(code.wireName(), error.code());
        assertEquals(code.retryable(), error.retryable());
        assertEquals(code.fatal(), error.fatal());
        assertEquals("message", error.message());
        assertEquals("detail", error.detail());
        assertNull(error.seq());
        assertNull(error.expectedSeq());
        assertNull(error.lastAckedSeq());
        assertNull(error.window());
        assertNull(error.retryAfterMs());
        assertNull(error.supported());
    }

    @Test
    void withersSetOneFieldAndKeepTheOthers() {
        ServerMessage.Error base = ServerMessage.Error.of(ErrorCode.OUT_OF_ORDER, "m", "d");

        ServerMessage.Error all = base.withSeq(1).withExpectedSeq(2).withLastAckedSeq(3).withWindow(4)
                .withRetryAfterMs(5).withSupported(List.of("x"));

        assertEquals(new ServerMessage.Error("out_of_order", "m", "d", true, false, 1L, 2L, 3L, 4, 5L,
                List.of("x")), all);
    }

    @Test
    void withersLeaveTheOriginalUnchanged() {
        ServerMessage.Error base = ServerMessage.Error.of(ErrorCode.OUT_OF_ORDER, "m", "d");

        base.withSeq(1).withExpectedSeq(2);

        assertEquals(ServerMessage.Error.of(ErrorCode.OUT_OF_ORDER, "m", "d"), base);
    }

    @Test
    void laterWitherOverridesEarlierValue() {
        ServerMessage.Error error = ServerMessage.Error.of(ErrorCode.OUT_OF_ORDER, "m", "d").withSeq(1).withSeq(9);

        assertEquals(9L, error.seq());
    }

    @Test
    void withSupportedCopiesTheList() {
        List<String> codecs = new ArrayList<>(List.of("pcm_s16le"));

        ServerMessage.Error error = ServerMessage.Error.of(ErrorCode.UNSUPPORTED_CODEC, "m", "d").withSupported(codecs);
        codecs.add("opus");

        assertEquals(List.of("pcm_s16le"), error.supported());
        assertThrows(UnsupportedOperationException.class, () -> error.supported().add("x"));
    }

    // ---- ErrorCode -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void wireNameIsTheLowerSnakeCaseName(ErrorCode code) {
        assertEquals(code.name().toLowerCase(Locale.ROOT), code.wireName());
        assertTrue(code.wireName().matches("[a-z]+(_[a-z]+)*"), code.wireName());
    }

    @Test
    void wireNamesAreDistinct() {
        Set<String> names = new HashSet<>();
        for (ErrorCode code : ErrorCode.values()) {
            assertTrue(names.add(code.wireName()), code.wireName());
        }
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void fatalCodesHaveACloseCodeAndNonFatalCodesHaveNone(ErrorCode code) {
        if (code.fatal()) {
            assertNotEquals(0, code.closeCode(), code + " is fatal");
            assertTrue(code.closeCode() >= 1000 && code.closeCode() <= 4999, code + " close code " + code.closeCode());
            assertNotEquals(CloseCodes.NORMAL, code.closeCode(), code + " is an error, not a normal close");
        } else {
            assertEquals(0, code.closeCode(), code + " is not fatal");
        }
    }

    /** The error table of the streaming API: code, retryable, fatal, close code (0 = connection stays open). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "bad_message,               true,  false, 0",
        "unknown_type,              true,  false, 0",
        "message_too_large,         true,  true,  1009",
        "bad_frame,                 true,  false, 0",
        "payload_too_large,         true,  true,  1009",
        "not_started,               true,  false, 0",
        "already_started,           false, false, 0",
        "session_ended,             false, false, 0",
        "out_of_order,              true,  false, 0",
        "window_exceeded,           true,  false, 0",
        "unsupported_codec,         false, false, 0",
        "unsupported_audio_format,  false, false, 0",
        "resume_rejected,           false, false, 0",
        "protocol_version_required, false, true,  1002",
        "too_many_sessions,         true,  true,  1013",
        "server_busy,               true,  true,  1013",
        "start_timeout,             true,  true,  4004",
        "idle_timeout,              false, true,  4000",
        "max_duration_reached,      false, true,  4001",
        "heartbeat_timeout,         true,  true,  4002",
        "session_taken_over,        false, true,  4003",
        "slow_consumer,             true,  true,  4005",
        "hold_overflow,             true,  false, 0",
        "storage_failed,            true,  true,  1011",
        "engine_unavailable,        true,  true,  1013",
        "rate_limited,              true,  true,  1013",
        "internal_error,            true,  false, 0"})
    void errorCodeMatchesTheProtocolTable(String wireName, boolean retryable, boolean fatal, int closeCode) {
        ErrorCode code = ErrorCode.valueOf(wireName.toUpperCase(Locale.ROOT));

        assertEquals(wireName, code.wireName());
        assertEquals(retryable, code.retryable(), "retryable");
        assertEquals(fatal, code.fatal(), "fatal");
        assertEquals(closeCode, code.closeCode(), "close code");
    }

    @Test
    void protocolTableListsEveryErrorCode() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs/api/streaming.md"));
        String table = doc.substring(doc.indexOf("## 14. Errors"), doc.indexOf("## 15. Close codes"));
        for (ErrorCode code : ErrorCode.values()) {
            String row = "| `" + code.wireName() + "` |";
            assertTrue(table.contains(row), () -> code.wireName() + " is missing from the errors table of streaming.md");
            if (code.fatal()) {
                String line = table.substring(table.indexOf(row)).lines().findFirst().orElseThrow();
                assertTrue(line.contains("| " + code.closeCode() + " "), () -> "the row of " + code.wireName()
                        + " does not give close code " + code.closeCode() + ": " + line);
            }
        }
    }

    /** Session events are journaled as they are sent and read back after a restart: the same events. */
    @Test
    void sessionEventsReadBackAsTheyWereWritten() throws Exception {
        List<ServerMessage.SessionEvent> events = List.of(new ServerMessage.MarkReached(1, "chapter 1", 50),
                new ServerMessage.Transcript(2, "final", "hello world", List.of(new ServerMessage.TranscriptWord(
                        "hello", 100, 400, 0.93), new ServerMessage.TranscriptWord("world", 450, 900, null)), null,
                        100, 900, 6, 45, null),
                new ServerMessage.Transcript(3, "skipped", null, null, null, 900, 1500, 46, 75, "engine_overloaded"),
                new ServerMessage.Ended(4, "client_end", 75, 75, 48_000, 1_500, 0, "complete", "j_abc"));
        for (ServerMessage.SessionEvent e : events) {
            assertEquals(e, Json.mapper().readValue(encoder.encode(e), ServerMessage.class));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static ServerMessage.Started started() {
        return new ServerMessage.Started("earshot.v1", "s-1", "tok", false, "streaming", 2,
                new ServerMessage.Codec("pcm_s16le", 16_000, 1), "os", 7, 9, new ServerMessage.EventRange(3, 4),
                30_000, 1_024, new ServerMessage.Limits(3_600_000, 300_000, 120_000, 262_144, 16_384, 1_000),
                List.of("marks"), true);
    }

    private static JsonNode parse(String json) throws Exception {
        return Json.mapper().readTree(json);
    }

    private static void assertNoCamelCaseNames(JsonNode node) {
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(name -> {
                assertTrue(name.matches("[a-z]+(_[a-z]+)*"), "field name " + name);
                assertNoCamelCaseNames(node.get(name));
            });
        } else if (node.isArray()) {
            node.forEach(ServerMessageEncoderTest::assertNoCamelCaseNames);
        }
    }
}
