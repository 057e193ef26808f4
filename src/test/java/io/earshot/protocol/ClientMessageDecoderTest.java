package io.earshot.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.earshot.config.EarshotConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Client text messages: one JSON object per message, {@code type} names it, fields in snake_case. */
class ClientMessageDecoderTest {

    private final ClientMessageDecoder decoder = new ClientMessageDecoder(EarshotConfig.current().maxTextMessage);

    // ---- each message type -----------------------------------------------------------------------

    @Test
    void startDecodesEveryFieldFromSnakeCase() throws Exception {
        ClientMessage message = decoder.decode("""
                {"type":"start","codecs":["pcm_s16le","opus"],"sample_rate":16000,"channels":2,
                 "features":["marks"],"durability":"disk",
                 "limits":{"max_session_duration_ms":60000,"idle_timeout_ms":5000,
                           "resume_grace_ms":1000,"heartbeat_interval_ms":2000},
                 "resume":{"session_id":"s-1","resume_token":"tok","last_event_seq":42}}
                """);

        ClientMessage.Start start = assertInstanceOf(ClientMessage.Start.class, message);
        assertEquals(List.of("pcm_s16le", "opus"), start.codecs());
        assertEquals(16_000, start.sampleRate());
        assertEquals(2, start.channels());
        assertEquals(List.of("marks"), start.features());
        assertEquals("disk", start.durability());
        assertEquals(new ClientMessage.RequestedLimits(60_000L, 5_000L, 1_000L, 2_000L), start.limits());
        assertEquals(new ClientMessage.ResumeRequest("s-1", "tok", 42L), start.resume());
    }

    @Test
    void startLeavesAbsentOptionalFieldsNull() throws Exception {
        ClientMessage.Start start = assertInstanceOf(ClientMessage.Start.class,
                decoder.decode("{\"type\":\"start\",\"codecs\":[\"pcm_s16le\"]}"));

        assertNull(start.sampleRate());
        assertNull(start.channels());
        assertNull(start.features());
        assertNull(start.durability());
        assertNull(start.limits());
        assertNull(start.resume());
    }

    @Test
    void camelCaseFieldNamesAreNotTheWireNames() throws Exception {
        ClientMessage.Start start = assertInstanceOf(ClientMessage.Start.class,
                decoder.decode("{\"type\":\"start\",\"sampleRate\":16000}"));

        assertNull(start.sampleRate());
    }

    @Test
    void endDecodes() throws Exception {
        assertEquals(new ClientMessage.End(), decoder.decode("{\"type\":\"end\"}"));
        assertEquals(new ClientMessage.End(true, null, false),
                decoder.decode("{\"type\":\"end\",\"handoff\":true,\"diarize\":false}"));
        assertTrue(decoder.decode("{\"type\":\"end\",\"handoff\":true}") instanceof ClientMessage.End e
                && e.handsOff());
        assertFalse(((ClientMessage.End) decoder.decode("{\"type\":\"end\"}")).handsOff());
    }

    @Test
    void pingDecodesWithItsTimestamp() throws Exception {
        assertEquals(new ClientMessage.Ping(1_700_000_000_123L),
                decoder.decode("{\"type\":\"ping\",\"ts\":1700000000123}"));
    }

    @Test
    void pingTimestampIsOptional() throws Exception {
        assertEquals(new ClientMessage.Ping(null), decoder.decode("{\"type\":\"ping\"}"));
    }

    @Test
    void optionalFieldSentAsNullIsTheSameAsOmitted() throws Exception {
        assertEquals(new ClientMessage.Ping(null), decoder.decode("{\"type\":\"ping\",\"ts\":null}"));
    }

    @Test
    void pauseDecodes() throws Exception {
        assertEquals(new ClientMessage.Pause(), decoder.decode("{\"type\":\"pause\"}"));
    }

    @Test
    void resumeDecodes() throws Exception {
        assertEquals(new ClientMessage.Resume(), decoder.decode("{\"type\":\"resume\"}"));
    }

    @Test
    void markDecodesWithItsName() throws Exception {
        assertEquals(new ClientMessage.Mark("chapter-2"),
                decoder.decode("{\"type\":\"mark\",\"name\":\"chapter-2\"}"));
    }

    @Test
    void typeNeedNotBeTheFirstField() throws Exception {
        assertEquals(new ClientMessage.Mark("m"), decoder.decode("{\"name\":\"m\",\"type\":\"mark\"}"));
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        assertEquals(new ClientMessage.Mark("m"), decoder.decode(
                "{\"type\":\"mark\",\"name\":\"m\",\"from_the_future\":{\"x\":[1,2,3]},\"v\":2}"));
    }

    @Test
    void surroundingWhitespaceIsAllowed() throws Exception {
        assertEquals(new ClientMessage.End(), decoder.decode(" \n\t{\"type\":\"end\"}\r\n "));
    }

    // ---- bad_message -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"type\":\"end\"", "{type:end}", "{'type':'end'}", "not json",
        "{\"type\":\"end\",}", "{\"type\":\"end\"} {}", "{\"type\":\"end\"}x"})
    void malformedJsonIsBadMessage(String text) {
        assertBadMessage(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"start\",\"codecs\":[\"pcm_s16le\"],\"sample_rate\":\"16000\",\"channels\":1}",
        "{\"type\":\"start\",\"codecs\":[\"pcm_s16le\"],\"sample_rate\":16000.9,\"channels\":1}",
        "{\"type\":\"start\",\"codecs\":[\"pcm_s16le\"],\"sample_rate\":16000,\"channels\":\"\"}",
        "{\"type\":\"mark\",\"name\":5}",
        "{\"type\":\"mark\",\"name\":true}",
        "{\"type\":\"ping\",\"ts\":\"123\"}"})
    void aFieldOfTheWrongJsonTypeIsBadMessageNotAGuess(String text) {
        assertBadMessage(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"type\":\"end\"}]", "42", "-1.5", "null", "true", "\"start\"", "", "   "})
    void jsonThatIsNotAnObjectIsBadMessage(String text) {
        ServerMessage.Error error = assertBadMessage(text);

        assertEquals("Every client message is a JSON object.", error.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"name\":\"m\"}", "{\"type\":null}", "{\"type\":1}", "{\"type\":true}",
        "{\"type\":[\"end\"]}", "{\"type\":{\"name\":\"end\"}}"})
    void missingOrNonStringTypeIsBadMessage(String text) {
        ServerMessage.Error error = assertBadMessage(text);

        assertEquals("The message has no \"type\" field.", error.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"ping\",\"ts\":\"soon\"}", "{\"type\":\"start\",\"sample_rate\":\"16k\"}",
        "{\"type\":\"start\",\"channels\":99999999999}", "{\"type\":\"start\",\"codecs\":{\"a\":1}}",
        "{\"type\":\"start\",\"limits\":[1,2]}", "{\"type\":\"mark\",\"name\":{}}"})
    void fieldOfTheWrongJsonTypeIsBadMessage(String text) {
        ServerMessage.Error error = assertBadMessage(text);

        assertEquals("The message could not be read as a protocol message.", error.message());
    }

    @Test
    void nestingDeeperThanTheParserLimitIsRefused() {
        String deep = "{\"type\":\"ping\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}";

        assertBadMessage(deep);
    }

    @Test
    void modestNestingInsideAnUnknownFieldIsAccepted() throws Exception {
        String nested = "{\"type\":\"ping\",\"x\":" + "[".repeat(8) + "]".repeat(8) + "}";

        assertEquals(new ClientMessage.Ping(null), decoder.decode(nested));
    }

    @Test
    void numberLongerThanTheParserLimitIsRefused() {
        assertBadMessage("{\"type\":\"ping\",\"ts\":" + "1".repeat(100) + "}");
    }

    @Test
    void badMessageIsRetryableAndNotFatal() {
        ServerMessage.Error error = assertBadMessage("{");

        assertFalse(error.fatal());
        assertTrue(error.retryable());
    }

    @Test
    void badMessageExceptionCarriesTheOffendingText() {
        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class, () -> decoder.decode("[1]"));

        assertEquals("[1]", e.getText());
    }

    // ---- unknown_type ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"transcribe", "Start", "END", "", "started", "ack"})
    void unknownTypeIsUnknownType(String type) {
        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class,
                () -> decoder.decode("{\"type\":\"" + type + "\"}"));

        assertEquals("unknown_type", e.error().code());
        assertFalse(e.error().fatal());
        assertEquals("The server does not know messages of type \"" + type + "\".", e.error().message());
        assertEquals("known types: start, end, ping, pause, resume, mark", e.error().detail());
    }

    @Test
    void unknownTypeNameIsClippedInTheReply() {
        String type = "x".repeat(1_000);

        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class,
                () -> decoder.decode("{\"type\":\"" + type + "\"}"));

        assertEquals("unknown_type", e.error().code());
        assertTrue(e.error().message().length() < 300, e.error().message());
        assertTrue(e.error().message().contains("x".repeat(200) + "..."));
    }

    // ---- message_too_large -----------------------------------------------------------------------

    @Test
    void defaultTextLimitIs16384Characters() {
        assertEquals(16_384, EarshotConfig.from(Map.of()).maxTextMessage);
    }

    @Test
    void messageOfExactlyTheLimitIsDecoded() throws Exception {
        int limit = EarshotConfig.current().maxTextMessage;
        String text = markOfLength(limit);

        assertInstanceOf(ClientMessage.Mark.class, decoder.decode(text));
    }

    @Test
    void messageLongerThanTheLimitIsMessageTooLargeAndFatal() {
        int limit = EarshotConfig.current().maxTextMessage;
        String text = markOfLength(limit + 1);

        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class, () -> decoder.decode(text));

        assertEquals("message_too_large", e.error().code());
        assertTrue(e.error().fatal());
        assertEquals((limit + 1) + " characters, limit earshot.limits.max-text-message=" + limit,
                e.error().detail());
    }

    @Test
    void oversizedMessageIsCheckedBeforeParsing() {
        String garbage = "{".repeat(EarshotConfig.current().maxTextMessage + 1);

        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class, () -> decoder.decode(garbage));

        assertEquals("message_too_large", e.error().code());
        assertEquals("", e.getText());
    }

    // ---- corpus ----------------------------------------------------------------------------------

    private static final List<String> VALID = List.of(
            "{\"type\":\"start\",\"codecs\":[\"pcm_s16le\"],\"sample_rate\":16000,\"channels\":1,"
                    + "\"features\":[\"marks\"],\"durability\":\"os\",\"limits\":{\"idle_timeout_ms\":5000},"
                    + "\"resume\":{\"session_id\":\"abc\",\"resume_token\":\"t\",\"last_event_seq\":3}}",
            "{\"type\":\"end\"}",
            "{\"type\":\"ping\",\"ts\":123456789}",
            "{\"type\":\"pause\"}",
            "{\"type\":\"resume\"}",
            "{\"type\":\"mark\",\"name\":\"here\"}");

    private static final Set<String> DECODE_ERROR_CODES = Set.of("bad_message", "unknown_type", "message_too_large");

    /**
     * Thousands of hostile strings (mutated valid messages, random JSON-ish text, random Unicode): the
     * decoder returns a message or throws {@link ProtocolDecodeException} with a decode error code, nothing else.
     */
    @Test
    void arbitraryTextEitherDecodesOrFailsWithProtocolDecodeException() {
        Random random = new Random(0xC0FFEEL);
        int decoded = 0;
        int refused = 0;
        for (int i = 0; i < 8_000; i++) {
            String text = corpusEntry(random, i);
            try {
                ClientMessage message = decoder.decode(text);
                assertTrue(message != null, "case " + i + " decoded to null: " + text);
                decoded++;
            } catch (ProtocolDecodeException e) {
                assertTrue(e.error() != null && DECODE_ERROR_CODES.contains(e.error().code()),
                        "case " + i + " gave " + e.error() + " for " + text);
                refused++;
            } catch (Exception | StackOverflowError e) {
                fail("case " + i + " threw " + e + " for input: " + text, e);
            }
        }
        assertTrue(decoded > 200, "corpus should contain decodable messages, decoded " + decoded);
        assertTrue(refused > 4_000, "corpus should contain bad messages, refused " + refused);
    }

    private static String corpusEntry(Random random, int i) {
        String valid = VALID.get(random.nextInt(VALID.size()));
        switch (i % 6) {
            case 0:
                return valid;
            case 1: { // delete, insert or replace a few characters
                StringBuilder sb = new StringBuilder(valid);
                int edits = 1 + random.nextInt(3);
                for (int e = 0; e < edits && sb.length() > 0; e++) {
                    int at = random.nextInt(sb.length());
                    switch (random.nextInt(3)) {
                        case 0 -> sb.deleteCharAt(at);
                        case 1 -> sb.insert(at, jsonChar(random));
                        default -> sb.setCharAt(at, jsonChar(random));
                    }
                }
                return sb.toString();
            }
            case 2: // truncated
                return valid.substring(0, random.nextInt(valid.length() + 1));
            case 3: { // a value replaced by something of another JSON type
                String[] values = {"null", "true", "-0", "1e999", "[]", "{}", "\"\"", "[[[[[]]]]]",
                    "99999999999999999999", "-9223372036854775809", "1.5", "\"\\u0000\"", "{\"type\":\"end\"}"};
                String replacement = values[random.nextInt(values.length)];
                return valid.replaceFirst(":(\"[^\"]*\"|[0-9]+|\\[[^\\]]*\\])", ":" + replacement);
            }
            case 4: { // random characters from the JSON alphabet
                StringBuilder sb = new StringBuilder();
                int length = random.nextInt(80);
                for (int c = 0; c < length; c++) {
                    sb.append(jsonChar(random));
                }
                return sb.toString();
            }
            default: { // random code units, including lone surrogates and control characters
                char[] chars = new char[random.nextInt(60)];
                for (int c = 0; c < chars.length; c++) {
                    chars[c] = (char) random.nextInt(Character.MAX_VALUE + 1);
                }
                return random.nextBoolean() ? new String(chars) : "{\"type\":\"mark\",\"name\":\"" + new String(chars) + "\"}";
            }
        }
    }

    private static char jsonChar(Random random) {
        String alphabet = "{}[]:,\"\\ tnrufeals0123456789.-+eE\u00e9\u0000\n";
        return alphabet.charAt(random.nextInt(alphabet.length()));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private ServerMessage.Error assertBadMessage(String text) {
        ProtocolDecodeException e = assertThrows(ProtocolDecodeException.class, () -> decoder.decode(text));
        assertEquals("bad_message", e.error().code(), () -> "for " + text + ": " + e.error());
        return e.error();
    }

    /** A valid mark message of exactly {@code length} characters. */
    private static String markOfLength(int length) {
        String empty = "{\"type\":\"mark\",\"name\":\"\"}";
        return "{\"type\":\"mark\",\"name\":\"" + "n".repeat(length - empty.length()) + "\"}";
    }
}
