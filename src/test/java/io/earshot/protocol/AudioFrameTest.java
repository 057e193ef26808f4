package io.earshot.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.earshot.protocol.AudioFrame.FrameFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The binary audio frame of protocol v1:
 * {@code type(1)=0x01, flags(1)=0, count(2), first_seq(4)}, then per chunk {@code length(4), payload}.
 */
class AudioFrameTest {

    private static final byte[] A = bytes("aaaa");
    private static final byte[] B = bytes("bb");
    private static final byte[] C = bytes("cccccc");

    // ---- round trip ------------------------------------------------------------------------------

    @Test
    void encodedMultiChunkFrameParsesBackToTheSameChunks() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(7, A, B, C));

        assertEquals(7, frame.firstSeq());
        assertEquals(3, frame.count());
        assertEquals(9, frame.lastSeq());
        assertArrayEquals(A, toArray(frame.payload(0)));
        assertArrayEquals(B, toArray(frame.payload(1)));
        assertArrayEquals(C, toArray(frame.payload(2)));
        assertArrayEquals(new int[] {4, 2, 6}, frame.lengths());
    }

    @Test
    void encodeWritesTheDocumentedLayout() {
        ByteBuffer wire = AudioFrame.encode(0x01020304L, A, B);

        ByteBuffer expected = ByteBuffer.allocate(8 + 4 + 4 + 4 + 2).order(ByteOrder.BIG_ENDIAN)
                .put((byte) 0x01).put((byte) 0x00).putShort((short) 2).putInt(0x01020304)
                .putInt(4).put(A).putInt(2).put(B).flip();
        assertEquals(expected, wire);
    }

    @Test
    void singleChunkFrameHasLastSeqEqualToFirstSeq() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(1, A));

        assertEquals(1, frame.count());
        assertEquals(1, frame.firstSeq());
        assertEquals(1, frame.lastSeq());
    }

    @Test
    void maximumChunkCountOf65535IsAccepted() throws Exception {
        byte[][] payloads = new byte[65_535][];
        Arrays.fill(payloads, new byte[] {9});

        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(1, payloads));

        assertEquals(65_535, frame.count());
        assertEquals(65_535, frame.lastSeq());
    }

    @Test
    void firstSeqIsReadAsUnsigned32Bit() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(0x8000_0000L, A));

        assertEquals(0x8000_0000L, frame.firstSeq());
    }

    @Test
    void lastChunkMayCarrySequenceNumber2Pow32Minus1() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(AudioFrame.MAX_SEQ - 1, A, B));

        assertEquals(AudioFrame.MAX_SEQ, frame.lastSeq());
    }

    @Test
    void payloadBytesSumsChunksFromTheGivenIndex() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(1, A, B, C));

        assertEquals(12, frame.payloadBytes(0));
        assertEquals(8, frame.payloadBytes(1));
        assertEquals(6, frame.payloadBytes(2));
        assertEquals(0, frame.payloadBytes(3));
    }

    // ---- payload views ---------------------------------------------------------------------------

    @Test
    void payloadViewSpansExactlyOneChunk() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(1, A, B, C));

        ByteBuffer view = frame.payload(1);

        assertEquals(0, view.position());
        assertEquals(2, view.remaining());
        assertEquals(2, view.capacity());
    }

    @Test
    void payloadViewSharesTheMessageBytesWithoutCopying() throws Exception {
        ByteBuffer wire = AudioFrame.encode(1, A, B);
        AudioFrame frame = AudioFrame.parse(wire);

        wire.put(frame.offsets()[1], (byte) 'Z');

        assertEquals('Z', frame.payload(1).get(0));
    }

    @Test
    void readingAPayloadViewDoesNotDisturbTheFrameOrOtherViews() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(1, A, B));

        ByteBuffer first = frame.payload(0);
        first.get(new byte[first.remaining()]);
        ByteBuffer again = frame.payload(0);

        assertArrayEquals(A, toArray(again));
        assertArrayEquals(B, toArray(frame.payload(1)));
    }

    @Test
    void payloadViewIsReadOnly() throws Exception {
        AudioFrame frame = AudioFrame.parse(AudioFrame.encode(1, A));

        assertTrue(frame.payload(0).isReadOnly());
    }

    @Test
    void parseReadsFromPositionToLimitAndLeavesTheCallersBufferUntouched() throws Exception {
        ByteBuffer frameBytes = AudioFrame.encode(3, A, B);
        ByteBuffer padded = ByteBuffer.allocate(5 + frameBytes.remaining());
        padded.position(5);
        padded.put(frameBytes.duplicate());
        padded.position(5);

        AudioFrame frame = AudioFrame.parse(padded);

        assertEquals(3, frame.firstSeq());
        assertArrayEquals(A, toArray(frame.payload(0)));
        assertArrayEquals(B, toArray(frame.payload(1)));
        assertEquals(5, padded.position());
        assertEquals(padded.capacity(), padded.limit());
    }

    // ---- malformed frames ------------------------------------------------------------------------

    @Test
    void frameShorterThanTheHeaderIsRejected() {
        FrameFormatException e = rejects(new byte[] {0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00});

        assertEquals("frame of 7 bytes is shorter than the 8-byte header", e.getMessage());
    }

    @Test
    void emptyMessageIsRejectedAsShorterThanTheHeader() {
        FrameFormatException e = rejects(new byte[0]);

        assertEquals("frame of 0 bytes is shorter than the 8-byte header", e.getMessage());
    }

    @Test
    void frameTypeOtherThanAudioIsRejected() {
        byte[] wire = wire(AudioFrame.encode(1, A));
        wire[0] = 0x02;

        assertEquals("unknown frame type 0x02 (expected 0x01)", rejects(wire).getMessage());
    }

    @Test
    void anyFlagBitSetIsRejected() {
        byte[] wire = wire(AudioFrame.encode(1, A));
        wire[1] = (byte) 0x80;

        assertEquals("flags 0x80 set; v1 defines none", rejects(wire).getMessage());
    }

    @Test
    void chunkCountZeroIsRejected() {
        byte[] wire = header(0, 1);

        assertEquals("chunk count is 0", rejects(wire).getMessage());
    }

    @Test
    void firstSeqZeroIsRejected() {
        byte[] wire = wire(AudioFrame.encode(0, A));

        assertEquals("sequence numbers start at 1; got first_seq 0", rejects(wire).getMessage());
    }

    @Test
    void chunksRunningPast2Pow32Minus1AreRejected() {
        byte[] wire = wire(AudioFrame.encode(AudioFrame.MAX_SEQ, A, B));

        assertEquals("chunk sequence numbers run past 2^32-1", rejects(wire).getMessage());
    }

    @Test
    void frameEndingInsideAChunkLengthIsRejectedNamingTheChunk() {
        byte[] full = wire(AudioFrame.encode(10, A, B));
        byte[] cut = Arrays.copyOf(full, 8 + 4 + A.length + 3);

        assertEquals("frame ends inside the length of chunk 11", rejects(cut).getMessage());
    }

    @Test
    void frameWithFewerChunksThanItsCountIsRejected() {
        byte[] full = wire(AudioFrame.encode(10, A));
        full[3] = 2; // claims two chunks, carries one

        assertEquals("frame ends inside the length of chunk 11", rejects(full).getMessage());
    }

    @Test
    void chunkDeclaringMoreBytesThanRemainIsRejected() {
        byte[] full = wire(AudioFrame.encode(5, A, C));
        byte[] cut = Arrays.copyOf(full, full.length - 1);

        assertEquals("chunk 6 declares 6 bytes but only 5 remain in the frame", rejects(cut).getMessage());
    }

    @Test
    void chunkLengthIsReadAsUnsigned32Bit() {
        byte[] bytes = Arrays.copyOf(header(1, 1), 8 + 4 + 1);
        ByteBuffer.wrap(bytes).putInt(8, 0xFFFF_FFFF);

        assertEquals("chunk 1 declares 4294967295 bytes but only 1 remain in the frame",
                rejects(bytes).getMessage());
    }

    @Test
    void emptyChunkIsRejected() {
        byte[] wire = wire(AudioFrame.encode(3, A, new byte[0]));

        assertEquals("chunk 4 is empty", rejects(wire).getMessage());
    }

    @Test
    void bytesAfterTheLastChunkAreRejected() {
        byte[] full = wire(AudioFrame.encode(1, A));
        byte[] padded = Arrays.copyOf(full, full.length + 3);

        assertEquals("3 bytes follow the last chunk", rejects(padded).getMessage());
    }

    // ---- corpus ----------------------------------------------------------------------------------

    /**
     * Thousands of random, truncated and bit-flipped frames: parsing either yields a frame whose chunks lie
     * inside the message and cover it exactly, or throws {@link FrameFormatException}, never anything else.
     */
    @Test
    void arbitraryBytesEitherParseConsistentlyOrFailWithFrameFormatException() {
        Random random = new Random(0x5EED_AF01L);
        int parsed = 0;
        int rejected = 0;
        for (int i = 0; i < 6_000; i++) {
            byte[] input = corpusEntry(random, i);
            try {
                AudioFrame frame = AudioFrame.parse(ByteBuffer.wrap(input));
                assertConsistent(frame, input.length);
                parsed++;
            } catch (FrameFormatException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "message for case " + i);
                rejected++;
            } catch (RuntimeException e) {
                fail("case " + i + " (" + hex(input) + ") threw " + e, e);
            }
        }
        assertTrue(parsed > 500, "corpus should contain valid frames, parsed " + parsed);
        assertTrue(rejected > 3_000, "corpus should contain malformed frames, rejected " + rejected);
    }

    private static byte[] corpusEntry(Random random, int i) {
        switch (i % 4) {
            case 0: { // a valid frame
                return wire(randomFrame(random));
            }
            case 1: { // a valid frame cut short
                byte[] full = wire(randomFrame(random));
                return Arrays.copyOf(full, random.nextInt(full.length));
            }
            case 2: { // a valid frame with one to four bits flipped
                byte[] bytes = wire(randomFrame(random));
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int bit = random.nextInt(bytes.length * 8);
                    bytes[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                return bytes;
            }
            default: { // noise behind a plausible header
                byte[] bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                if (bytes.length >= 2 && random.nextBoolean()) {
                    bytes[0] = 0x01;
                    bytes[1] = 0x00;
                }
                return bytes;
            }
        }
    }

    private static ByteBuffer randomFrame(Random random) {
        int count = 1 + random.nextInt(6);
        byte[][] payloads = new byte[count][];
        for (int c = 0; c < count; c++) {
            payloads[c] = new byte[1 + random.nextInt(40)];
            random.nextBytes(payloads[c]);
        }
        long firstSeq = random.nextInt(10) == 0
                ? AudioFrame.MAX_SEQ - random.nextInt(8)
                : 1 + (random.nextLong() & 0x7FFF_FFFFL);
        return AudioFrame.encode(firstSeq, payloads);
    }

    private static void assertConsistent(AudioFrame frame, int size) {
        assertTrue(frame.count() >= 1 && frame.count() <= 65_535);
        assertTrue(frame.firstSeq() >= 1 && frame.lastSeq() <= AudioFrame.MAX_SEQ);
        int expectedOffset = AudioFrame.HEADER_BYTES;
        for (int c = 0; c < frame.count(); c++) {
            expectedOffset += AudioFrame.CHUNK_HEADER_BYTES;
            assertEquals(expectedOffset, frame.offsets()[c]);
            assertTrue(frame.lengths()[c] >= 1);
            assertEquals(frame.lengths()[c], frame.payload(c).remaining());
            expectedOffset += frame.lengths()[c];
        }
        assertEquals(size, expectedOffset);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static FrameFormatException rejects(byte[] wire) {
        return assertThrows(FrameFormatException.class, () -> AudioFrame.parse(ByteBuffer.wrap(wire)));
    }

    private static byte[] header(int count, long firstSeq) {
        return ByteBuffer.allocate(8).put((byte) 0x01).put((byte) 0).putShort((short) count)
                .putInt((int) firstSeq).array();
    }

    private static byte[] wire(ByteBuffer buffer) {
        return toArray(buffer);
    }

    private static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }
}
