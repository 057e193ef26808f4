package io.earshot.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Streams a WAV (16-bit PCM) or Ogg Opus file to Earshot and prints the transcript as it arrives:
 * {@code Cli <server> <file> [--token <token>] [--realtime]}. Exit status 0 when the session ended with its whole
 * transcript, 1 otherwise, 2 for bad arguments.
 */
public final class Cli {

    private Cli() {
    }

    /**
     * One stream's audio: the codec, rate and channels to declare, its chunks, and where each chunk starts in
     * the audio, in microseconds (for {@code --realtime}).
     */
    record Audio(String codec, int sampleRate, int channels, List<byte[]> chunks, long[] startMicros) {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2) {
            err.println("usage: Cli <server, e.g. http://127.0.0.1:8080> <file.wav|file.ogg> [--token <token>] "
                    + "[--realtime]");
            return 2;
        }
        String token = null;
        boolean realtime = false;
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--token") && i + 1 < args.length) {
                token = args[++i];
            } else if (args[i].equals("--realtime")) {
                realtime = true;
            } else {
                err.println("unknown option " + args[i]);
                return 2;
            }
        }
        Audio audio;
        try {
            audio = read(Path.of(args[1]));
        } catch (IOException | IllegalArgumentException e) {
            err.println("cannot read " + args[1] + ": " + e.getMessage());
            return 2;
        }
        String bearer = token;
        try (EarshotClient client = EarshotClient.builder(args[0]).token(() -> bearer)
                .audio(List.of(audio.codec()), audio.sampleRate(), audio.channels())
                .listener(new EarshotClient.Listener() {
                    @Override
                    public void state(EarshotClient.State state, int attempt, long delayMs) {
                        err.println("[" + state.name().toLowerCase() + (delayMs > 0 ? " in " + delayMs + " ms" : "")
                                + "]");
                    }

                    @Override
                    public void event(JsonNode e) {
                        if (e.path("type").asText().equals("transcript")) {
                            long ms = e.path("start_ms").asLong();
                            out.printf("[%d:%02d] %s%n", ms / 60_000, ms / 1000 % 60, e.path("status").asText()
                                    .equals("final") ? e.path("text").asText() : "(not transcribed: "
                                    + e.path("reason").asText() + ")");
                            out.flush();
                        }
                    }

                    @Override
                    public void error(EarshotClient.ClientException e) {
                        err.println("error " + e.code() + ": " + e.getMessage());
                    }

                    @Override
                    public void job(JsonNode job, String mode) {
                        err.println("[job " + job.path("id").asText() + " " + job.path("stage").asText() + " "
                                + job.path("percent").asInt() + " % (" + mode + ")]");
                    }
                }).build()) {
            client.start(Duration.ofSeconds(30));
            long begin = System.nanoTime();
            for (int i = 0; i < audio.chunks().size(); i++) {
                if (realtime) {
                    long due = begin + audio.startMicros()[i] * 1_000L;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                client.send(audio.chunks().get(i), Duration.ofMinutes(2)); // waits while the buffer is full
            }
            JsonNode ended = client.end(Duration.ofMinutes(10));
            if (ended.has("stage")) {
                err.println("[handed off to job " + ended.path("id").asText() + ": " + ended.path("stage").asText() + "]");
                return ended.path("stage").asText().equals("complete") ? 0 : 1;
            }
            err.println("[ended: " + ended.path("last_seq").asLong() + " chunks, transcription "
                    + ended.path("transcription").asText() + "]");
            return ended.path("transcription").asText().equals("complete") ? 0 : 1;
        } catch (Exception e) {
            err.println("failed: " + e);
            return 1;
        }
    }

    /** A WAV file (16-bit PCM) in 20 ms chunks, or an Ogg Opus file packet by packet. */
    static Audio read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length >= 12 && new String(b, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")) {
            return wav(b);
        }
        if (b.length >= 4 && new String(b, 0, 4, StandardCharsets.US_ASCII).equals("OggS")) {
            return ogg(b);
        }
        throw new IllegalArgumentException("neither a WAV nor an Ogg file");
    }

    private static Audio wav(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int at = 12;
        int rate = 0;
        int channels = 0;
        while (at + 8 <= b.length) {
            String id = new String(b, at, 4, StandardCharsets.US_ASCII);
            int size = buf.getInt(at + 4);
            if (id.equals("fmt ")) {
                if (buf.getShort(at + 8) != 1 || buf.getShort(at + 22) != 16) {
                    throw new IllegalArgumentException("only 16-bit PCM WAV files");
                }
                channels = buf.getShort(at + 10);
                rate = buf.getInt(at + 12);
            } else if (id.equals("data")) {
                if (rate == 0) {
                    throw new IllegalArgumentException("the WAV file has no fmt chunk before its data");
                }
                int end = Math.min(b.length, at + 8 + size);
                int per = rate / 50 * 2 * channels;
                List<byte[]> chunks = new ArrayList<>();
                for (int p = at + 8; p < end; p += per) {
                    int n = Math.min(per, end - p) / (2 * channels) * (2 * channels);
                    if (n > 0) {
                        chunks.add(Arrays.copyOfRange(b, p, p + n));
                    }
                }
                long[] starts = new long[chunks.size()];
                for (int i = 0; i < starts.length; i++) {
                    starts[i] = i * 20_000L;
                }
                return new Audio("pcm_s16le", rate, channels, chunks, starts);
            }
            at += 8 + size + (size & 1);
        }
        throw new IllegalArgumentException("the WAV file has no data chunk");
    }

    /** Ogg pages to Opus packets; the header packets (OpusHead, OpusTags) are left out. */
    private static Audio ogg(byte[] b) {
        List<byte[]> packets = new ArrayList<>();
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        int channels = 1;
        int at = 0;
        while (at + 27 <= b.length && new String(b, at, 4, StandardCharsets.US_ASCII).equals("OggS")) {
            int segments = b[at + 26] & 0xFF;
            int data = at + 27 + segments;
            for (int s = 0; s < segments; s++) {
                int len = b[at + 27 + s] & 0xFF;
                if (data + len > b.length) {
                    throw new IllegalArgumentException("the Ogg file ends inside a page");
                }
                packet.write(b, data, len);
                data += len;
                if (len < 255) {
                    byte[] p = packet.toByteArray();
                    packet.reset();
                    String head = p.length >= 8 ? new String(p, 0, 8, StandardCharsets.US_ASCII) : "";
                    if (head.equals("OpusHead")) {
                        channels = p[9] & 0xFF;
                    } else if (!head.equals("OpusTags") && p.length > 0) {
                        packets.add(p);
                    }
                }
            }
            at = data;
        }
        if (packets.isEmpty()) {
            throw new IllegalArgumentException("no Opus packets in the Ogg file");
        }
        long[] starts = new long[packets.size()];
        long offset = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = offset;
            offset += opusPacketMicros(packets.get(i));
        }
        return new Audio("opus", 48_000, Math.max(1, Math.min(2, channels)), packets, starts);
    }

    /** The audio an Opus packet holds, from its TOC byte (RFC 6716, section 3.1); 20 ms if it cannot tell. */
    static long opusPacketMicros(byte[] p) {
        if (p.length == 0) {
            return 20_000;
        }
        int config = (p[0] & 0xFF) >> 3;
        long frame;
        if (config < 12) {
            frame = new long[] {10_000, 20_000, 40_000, 60_000}[config % 4]; // SILK
        } else if (config < 16) {
            frame = config % 2 == 0 ? 10_000 : 20_000; // hybrid
        } else {
            frame = new long[] {2_500, 5_000, 10_000, 20_000}[config % 4]; // CELT
        }
        int code = p[0] & 0x03;
        int frames = code == 0 ? 1 : code < 3 ? 2 : p.length > 1 ? p[1] & 0x3F : 1;
        return frame * Math.max(1, frames);
    }
}
