package io.earshot.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.config.EarshotConfig;
import io.earshot.protocol.AudioFrame;
import io.earshot.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A session's spool: {@code audio.raw} holds the payloads exactly as received, {@code chunks.idx} one 4-byte
 * big-endian length per chunk, {@code session.json} the session description (replaced atomically).
 */
class SessionSpoolTest {

    private static final byte[] P1 = {1, 0, (byte) 0xFE, (byte) 0xFF};
    private static final byte[] P2 = {0x34, 0x12, 0x00, (byte) 0x80};
    private static final byte[] P3 = {7, 7};

    @TempDir
    Path tmp;

    // ---- files -----------------------------------------------------------------------------------

    @Test
    void newSpoolHasEmptyAudioAndIndexFiles() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            assertEquals(0, Files.size(spool.dir().resolve(SessionSpool.AUDIO_FILE)));
            assertEquals(0, Files.size(spool.dir().resolve(SessionSpool.INDEX_FILE)));
            assertEquals(0, spool.chunks());
            assertEquals(0, spool.bytes());
        }
    }

    // ---- reopening after a restart ------------------------------------------------------------------

    @Test
    void aReopenedSpoolGoesOnAfterItsLastWholeChunkAndEvent() throws Exception {
        Path dir = tmp.resolve("s1");
        try (SessionSpool spool = SessionSpool.create(dir)) {
            spool.append(frame(1, P1, P2), 0);
            spool.appendEvent("{\"type\":\"mark\",\"event_seq\":1}");
        }
        // a crash in the middle of the next append and event: an index entry without all its bytes, half a line
        Files.write(dir.resolve(SessionSpool.AUDIO_FILE), new byte[] {9}, java.nio.file.StandardOpenOption.APPEND);
        Files.write(dir.resolve(SessionSpool.INDEX_FILE), new byte[] {0, 0, 0, 4}, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(dir.resolve(SessionSpool.EVENTS_FILE), "{\"type\":\"ma", java.nio.file.StandardOpenOption.APPEND);
        try (SessionSpool spool = SessionSpool.reopen(dir)) {
            assertEquals(2, spool.chunks());
            assertEquals(8, spool.bytes());
            spool.append(frame(3, P3), 0);
            spool.appendEvent("{\"type\":\"mark\",\"event_seq\":2}");
            assertArrayEquals(concat(P1, P2, P3), audio(spool));
            assertEquals(List.of(4, 4, 2), index(spool));
        }
        assertEquals(List.of("{\"type\":\"mark\",\"event_seq\":1}", "{\"type\":\"mark\",\"event_seq\":2}"),
                Files.readAllLines(dir.resolve(SessionSpool.EVENTS_FILE)));
    }

    @Test
    void aSpoolIsOpenInOnePlaceAtATime() throws Exception {
        Path dir = tmp.resolve("s1");
        try (SessionSpool spool = SessionSpool.create(dir)) {
            spool.append(frame(1, P1), 0);
            assertThrows(SessionSpool.LockedException.class, () -> SessionSpool.reopen(dir));
        }
        try (SessionSpool again = SessionSpool.reopen(dir)) {
            assertEquals(1, again.chunks());
        }
    }

    @Test
    void spoolOfAnExistingSessionDirectoryIsNotOverwritten() throws Exception {
        try (SessionSpool first = SessionSpool.create(tmp.resolve("s1"))) {
            first.append(frame(1, P1), 0);
        }

        assertThrows(FileAlreadyExistsException.class, () -> SessionSpool.create(tmp.resolve("s1")));
        assertArrayEquals(P1, Files.readAllBytes(tmp.resolve("s1").resolve(SessionSpool.AUDIO_FILE)));
    }

    @Test
    void appendWritesPayloadsExactlyAsReceivedAndTheirLengths() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, P1, P2), 0);

            assertArrayEquals(concat(P1, P2), audio(spool));
            assertEquals(List.of(4, 4), index(spool));
        }
    }

    @Test
    void appendFromAnIndexStoresOnlyTheChunksFromThere() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, P1), 0);

            spool.append(frame(1, P1, P2, P3), 1);

            assertArrayEquals(concat(P1, P2, P3), audio(spool));
            assertEquals(List.of(4, 4, 2), index(spool));
            assertEquals(3, spool.chunks());
            assertEquals(10, spool.bytes());
        }
    }

    @Test
    void appendFromPastTheLastChunkStoresNothing() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, P1, P2), 2);

            assertEquals(0, spool.chunks());
            assertEquals(0, audio(spool).length);
            assertFalse(spool.hasUnforced());
        }
    }

    @Test
    void successiveAppendsAreConcatenatedInOrder() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, P1), 0);
            spool.append(frame(2, P2), 0);
            spool.append(frame(3, P3), 0);

            assertArrayEquals(concat(P1, P2, P3), audio(spool));
            assertEquals(List.of(4, 4, 2), index(spool));
        }
    }

    @Test
    void indexLengthsAreUnsignedBigEndian() throws Exception {
        byte[] big = new byte[0x0102_03];
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, big), 0);

            byte[] idx = Files.readAllBytes(spool.dir().resolve(SessionSpool.INDEX_FILE));
            assertArrayEquals(new byte[] {0x00, 0x01, 0x02, 0x03}, idx);
        }
    }

    @Test
    void payloadsAreTakenFromAFrameThatIsNotAtOffsetZero() throws Exception {
        ByteBuffer wire = AudioFrame.encode(1, P1, P2);
        ByteBuffer padded = ByteBuffer.allocate(wire.remaining() + 9);
        padded.position(9);
        padded.put(wire).position(9);
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(AudioFrame.parse(padded), 0);

            assertArrayEquals(concat(P1, P2), audio(spool));
        }
    }

    @Test
    void manyChunksInOneFrameAreAllWritten() throws Exception {
        byte[][] payloads = new byte[2_000][];
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = new byte[] {(byte) i, (byte) (i >> 8)};
            expected.writeBytes(payloads[i]);
        }
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, payloads), 0);

            assertArrayEquals(expected.toByteArray(), audio(spool));
            assertEquals(2_000, index(spool).size());
        }
    }

    // ---- counters and force ----------------------------------------------------------------------

    @Test
    void chunksAndBytesCountWhatWasAppended() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, P1, P3), 0);

            assertEquals(2, spool.chunks());
            assertEquals(6, spool.bytes());
        }
    }

    @Test
    void appendedChunksAreUnforcedUntilForce() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            assertFalse(spool.hasUnforced());

            spool.append(frame(1, P1), 0);
            assertTrue(spool.hasUnforced());

            spool.force();
            assertFalse(spool.hasUnforced());
        }
    }

    @Test
    void forceReturnsTheNumberOfChunksNowDurable() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.append(frame(1, P1, P2), 0);

            assertEquals(2, spool.force());
            assertEquals(2, spool.force());
        }
    }

    // ---- metadata --------------------------------------------------------------------------------

    @Test
    void writeMetadataWritesSessionJson() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.writeMetadata(Map.of("session_id", "s1", "last_seq", 0));

            JsonNode json = Json.mapper().readTree(spool.dir().resolve(SessionSpool.METADATA_FILE).toFile());
            assertEquals("s1", json.get("session_id").asText());
            assertEquals(0, json.get("last_seq").asInt());
        }
    }

    @Test
    void writeMetadataReplacesThePreviousContentWholly() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            Map<String, Object> first = new LinkedHashMap<>();
            first.put("state", "active");
            first.put("notes", "x".repeat(4_000));
            spool.writeMetadata(first);

            spool.writeMetadata(Map.of("state", "ended"));

            String text = Files.readString(spool.dir().resolve(SessionSpool.METADATA_FILE), StandardCharsets.UTF_8);
            assertEquals("{\"state\":\"ended\"}", text);
        }
    }

    @Test
    void writeMetadataLeavesNoTemporaryFileBehind() throws Exception {
        try (SessionSpool spool = SessionSpool.create(tmp.resolve("s1"))) {
            spool.writeMetadata(Map.of("state", "active"));
            spool.writeMetadata(Map.of("state", "ended"));

            try (Stream<Path> files = Files.list(spool.dir())) {
                assertEquals(List.of(SessionSpool.AUDIO_FILE, SessionSpool.INDEX_FILE, SessionSpool.EVENTS_FILE,
                        SessionSpool.METADATA_FILE, SessionSpool.LOCK_FILE),
                        files.map(p -> p.getFileName().toString()).sorted().toList());
            }
        }
    }

    // ---- close -----------------------------------------------------------------------------------

    @Test
    void closeIsIdempotent() throws Exception {
        SessionSpool spool = SessionSpool.create(tmp.resolve("s1"));
        spool.append(frame(1, P1), 0);

        spool.close();
        spool.close();

        assertArrayEquals(P1, audio(spool));
    }

    @Test
    void appendAfterCloseThrowsIOExceptionAndStoresNothing() throws Exception {
        SessionSpool spool = SessionSpool.create(tmp.resolve("s1"));
        spool.close();

        IOException e = assertThrows(IOException.class, () -> spool.append(frame(1, P1), 0));

        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertEquals(0, spool.chunks());
        assertEquals(0, audio(spool).length);
    }

    @Test
    void forceAfterCloseStillReportsEveryChunk() throws Exception {
        SessionSpool spool = SessionSpool.create(tmp.resolve("s1"));
        spool.append(frame(1, P1), 0);

        spool.close();

        assertEquals(1, spool.force());
        assertArrayEquals(P1, audio(spool));
    }

    @Test
    void closeLeavesNothingUnforced() throws Exception {
        SessionSpool spool = SessionSpool.create(tmp.resolve("s1"));
        spool.append(frame(1, P1), 0);

        spool.close();

        assertFalse(spool.hasUnforced());
    }

    @Test
    void countersSurviveClose() throws Exception {
        SessionSpool spool = SessionSpool.create(tmp.resolve("s1"));
        spool.append(frame(1, P1, P2), 0);

        spool.close();

        assertEquals(2, spool.chunks());
        assertEquals(8, spool.bytes());
    }

    // ---- FileSessionStore---------------------------------------------------------------------------

    @Test
    void audioSpoolCreatesOneDirectoryPerSessionUnderItsRoot() throws Exception {
        FileSessionStore spool = new FileSessionStore(config(tmp.resolve("spool")).spoolDir);

        try (SessionSpool session = (SessionSpool) spool.create("Ab_9-z")) {
            assertEquals(tmp.resolve("spool").resolve("Ab_9-z").toAbsolutePath(), session.dir());
            assertTrue(Files.isRegularFile(session.dir().resolve(SessionSpool.AUDIO_FILE)));
        }
    }

    @Test
    void audioSpoolRootIsAbsoluteAndNormalized() {
        FileSessionStore spool = new FileSessionStore(config(tmp.resolve("a").resolve("..").resolve("spool")).spoolDir);

        assertEquals(tmp.resolve("spool").toAbsolutePath(), Path.of(spool.location()));
    }

    @Test
    void sessionIdOf64SafeCharactersIsAccepted() throws Exception {
        FileSessionStore spool = new FileSessionStore(config(tmp).spoolDir);

        try (SessionSpool session = (SessionSpool) spool.create("a".repeat(64))) {
            assertEquals("a".repeat(64), session.dir().getFileName().toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", ".", "../evil", "a/b", "a\\b", "/abs", "a.b", "a b", "sess\n", "ä", "a:b", "a*", "%2e%2e"})
    void unsafeSessionIdIsRejected(String id) {
        FileSessionStore spool = new FileSessionStore(config(tmp.resolve("spool")).spoolDir);

        assertThrows(IllegalArgumentException.class, () -> spool.create(id));
        assertFalse(Files.exists(tmp.resolve("evil")));
    }

    @Test
    void sessionIdLongerThan64CharactersIsRejected() {
        FileSessionStore spool = new FileSessionStore(config(tmp).spoolDir);

        assertThrows(IllegalArgumentException.class, () -> spool.create("a".repeat(65)));
    }

    @Test
    void checkWritableCreatesAMissingRootDirectory() throws Exception {
        Path root = tmp.resolve("a").resolve("b").resolve("spool");
        FileSessionStore spool = new FileSessionStore(config(root).spoolDir);

        spool.checkWritable();

        assertTrue(Files.isDirectory(root));
    }

    @Test
    void checkWritableLeavesNoProbeFileBehind() throws Exception {
        FileSessionStore spool = new FileSessionStore(config(tmp).spoolDir);

        spool.checkWritable();

        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void checkWritableFailsWhenTheRootCannotBeADirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        FileSessionStore spool = new FileSessionStore(config(file.resolve("spool")).spoolDir);

        assertThrows(IOException.class, spool::checkWritable);
    }

    @Test
    void checkWritableFailsWhenTheRootIsARegularFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        FileSessionStore spool = new FileSessionStore(config(file).spoolDir);

        assertThrows(IOException.class, spool::checkWritable);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static EarshotConfig config(Path spoolDir) {
        return EarshotConfig.from(Map.of("earshot.spool.dir", spoolDir.toString()));
    }

    private static AudioFrame frame(long firstSeq, byte[]... payloads) throws AudioFrame.FrameFormatException {
        return AudioFrame.parse(AudioFrame.encode(firstSeq, payloads));
    }

    private static byte[] audio(SessionSpool spool) throws IOException {
        return Files.readAllBytes(spool.dir().resolve(SessionSpool.AUDIO_FILE));
    }

    private static List<Integer> index(SessionSpool spool) throws IOException {
        ByteBuffer idx = ByteBuffer.wrap(Files.readAllBytes(spool.dir().resolve(SessionSpool.INDEX_FILE)));
        assertEquals(0, idx.remaining() % 4, "index is whole 4-byte entries");
        List<Integer> lengths = new ArrayList<>();
        while (idx.hasRemaining()) {
            lengths.add(idx.getInt());
        }
        return lengths;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
