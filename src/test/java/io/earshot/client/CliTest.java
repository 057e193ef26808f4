package io.earshot.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's file reading, and the client's frame layout, without a server. */
class CliTest {

    @TempDir
    Path dir;

    private static byte[] wav(int rate, int channels, int bits, int dataBytes) {
        ByteBuffer h = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes)
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1)
                .putShort((short) channels).putInt(rate).putInt(rate * channels * bits / 8)
                .putShort((short) (channels * bits / 8)).putShort((short) bits)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes);
        return h.array();
    }

    @Test
    void aWavFileBecomes20MsChunksOfWholeSamples() throws Exception {
        Path f = dir.resolve("a.wav");
        Files.write(f, wav(16_000, 2, 16, 1280 * 3 + 10)); // 3 chunks of 20 ms stereo, then 10 bytes
        Cli.Audio a = Cli.read(f);
        assertEquals("pcm_s16le", a.codec());
        assertEquals(16_000, a.sampleRate());
        assertEquals(2, a.channels());
        assertEquals(4, a.chunks().size());
        assertEquals(1280, a.chunks().get(0).length);
        assertEquals(8, a.chunks().get(3).length, "the last chunk holds whole stereo frames only");
        assertArrayEquals(new long[] {0, 20_000, 40_000, 60_000}, a.startMicros());
    }

    @Test
    void anOggOpusFileBecomesItsPacketsTimedByTheirTocBytes() throws Exception {
        Cli.Audio a = Cli.read(Path.of("src/test/resources/audio/opus/0880-16k-mono-40ms-cvbr.opus"));
        assertEquals("opus", a.codec());
        assertEquals(48_000, a.sampleRate());
        assertEquals(1, a.channels());
        assertTrue(a.chunks().size() > 50, "packets: " + a.chunks().size());
        assertEquals(40_000, a.startMicros()[1], "40 ms packets");
        long total = a.startMicros()[a.chunks().size() - 1] + 40_000;
        assertTrue(total > 2_800_000 && total < 3_400_000, "about the clip's 3 s: " + total);
    }

    @Test
    void opusPacketDurations() {
        assertEquals(20_000, Cli.opusPacketMicros(new byte[] {(byte) (1 << 3)})); // SILK NB 20 ms, one frame
        assertEquals(120_000, Cli.opusPacketMicros(new byte[] {(byte) ((3 << 3) | 1)})); // SILK 60 ms, two frames
        assertEquals(2_500, Cli.opusPacketMicros(new byte[] {(byte) (16 << 3)})); // CELT 2.5 ms
        assertEquals(60_000, Cli.opusPacketMicros(new byte[] {(byte) ((31 << 3) | 3), 3})); // CELT 20 ms x 3
        assertEquals(20_000, Cli.opusPacketMicros(new byte[] {(byte) (13 << 3)})); // hybrid 20 ms
    }

    @Test
    void badFilesAndArgumentsAreRefusedClearly() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not audio at all");
        assertThrows(IllegalArgumentException.class, () -> Cli.read(text));
        Path wav8 = dir.resolve("8bit.wav");
        Files.write(wav8, wav(16_000, 1, 8, 100));
        assertThrows(IllegalArgumentException.class, () -> Cli.read(wav8));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, Cli.run(new String[] {"http://127.0.0.1:1"}, o, e));
        assertEquals(2, Cli.run(new String[] {"http://127.0.0.1:1", text.toString()}, o, e));
        assertEquals(2, Cli.run(new String[] {"http://127.0.0.1:1", text.toString(), "--bogus"}, o, e));
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("usage:") && said.contains("cannot read") && said.contains("unknown option"), said);
    }

    @Test
    void framesFollowTheLayoutOfTheProtocol() {
        ByteBuffer f = EarshotClient.frame(7, List.of(new byte[] {1, 2}, new byte[] {3}));
        byte[] b = new byte[f.remaining()];
        f.get(b);
        assertArrayEquals(new byte[] {1, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, 3}, b);
    }

    @Test
    void plainConnectionsOnlyToThisMachine() {
        assertThrows(IllegalArgumentException.class, () -> EarshotClient.builder("http://earshot.example.com").build());
        EarshotClient.builder("https://earshot.example.com/app/").build().close();
        EarshotClient.builder("http://127.0.0.1:8080").build().close();
    }
}
