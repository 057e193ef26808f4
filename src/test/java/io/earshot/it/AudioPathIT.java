package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.audio.AudioCodec;
import io.earshot.audio.BadAudioException;
import io.earshot.audio.ConcentusEncoding;
import io.earshot.audio.PacketDecoder;
import io.earshot.audio.Signals;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The audio path on the real server: Opus packets made by Concentus's encoder from LibriVox speech, and PCM at
 * 44.1 kHz stereo, streamed over the WebSocket and fetched back decoded from {@code GET /v1/sessions/{id}/audio}
 * (16 kHz mono WAV), compared with the source; codec negotiation with fallback; {@code bad_audio} for a
 * packet that does not decode, with the session and its neighbours going on; and the endpoint's answers to
 * missing and wrong tokens.
 */
@ExtendWith(ArquillianExtension.class)
class AudioPathIT extends EarshotDeployment {

    private static final String CLIP = "/audio/librivox/sense_and_sensibility_01_austen_64kb-0880.wav";
    private static final String TOKEN = "Earshot-Session-Token";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final List<StreamClient> clients = new ArrayList<>();

    private StreamClient connect() {
        StreamClient c = StreamClient.connect(streamUri());
        clients.add(c);
        return c;
    }

    @AfterEach
    void closeClients() {
        clients.forEach(StreamClient::close);
    }

    /**
     * Thresholds as in the unit tests of the decoder (measured there: 10.6 to 13.6 dB waveform SNR for wide
     * band and above, 7.1 dB at 8 kHz): the server's decode must be the decode Earshot makes in this JVM of the
     * same packets, sample for sample, and that decode must be the speech.
     */
    @Test
    void concentusOpusStreamsComeBackAsTheSourceSpeech() throws Exception {
        short[] source = Signals.resourceWav16(CLIP);
        record Case(int rate, int channels, double frameMs, int bitrate, double minSnr) {
        }
        for (Case k : List.of(new Case(16_000, 1, 20, 24_000, 9), new Case(48_000, 2, 60, 64_000, 9),
                new Case(8_000, 1, 10, 16_000, 5), new Case(24_000, 1, 40, 32_000, 9))) {
            String what = k.rate() + " Hz, " + k.channels() + " ch, " + k.frameMs() + " ms";
            List<byte[]> packets = ConcentusEncoding.encode(source, k.rate(), k.channels(), k.frameMs(), k.bitrate());
            StreamClient c = connect();
            JsonNode started = c.start(Map.of("codecs", List.of("opus", "pcm_s16le"), "sample_rate", k.rate(),
                    "channels", k.channels()));
            assertEquals("opus", started.at("/codec/name").asText(), what);
            stream(c, packets);
            c.sendJson(Map.of("type", "end"));
            JsonNode ended = c.expect("ended");
            assertEquals(packets.size(), ended.path("chunks").asLong(), what);
            assertEquals(0, ended.path("bad_audio_chunks").asLong(), what);
            assertEquals(Math.round(packets.size() * k.frameMs()), ended.path("audio_ms").asLong(), what);

            HttpResponse<byte[]> r = audio(started.path("session_id").asText(), started.path("resume_token").asText());
            short[] decoded = wavSamples(r, what);
            assertEquals(String.valueOf(packets.size()), r.headers().firstValue("Earshot-Chunks").orElse(""), what);
            assertArrayEquals(localDecode(AudioCodec.OPUS, k.rate(), k.channels(), packets), decoded, what);
            assertEquals(Math.round(packets.size() * k.frameMs() * 16), decoded.length, what);

            int lag = ConcentusEncoding.lookahead16k(k.rate(), k.channels());
            short[] aligned = Arrays.copyOfRange(decoded, lag, lag + source.length);
            double snr = Signals.snrDb(source, aligned);
            double spectral = Signals.spectralSnrDb(source, aligned);
            System.out.printf("Opus %s over the endpoint: waveform SNR %.1f dB, spectral SNR %.1f dB%n", what, snr,
                    spectral);
            assertTrue(snr >= k.minSnr(), what + ": waveform SNR " + snr);
            assertTrue(spectral >= k.minSnr(), what + ": spectral SNR " + spectral);
        }
    }

    /** The 44.1 kHz stereo fixture was made by sox from the 16 kHz reference; in band they are the same sound. */
    @Test
    void pcmAtFortyFourPointOneKilohertzStereoComesBackAsTheSixteenKilohertzReference() throws Exception {
        byte[] pcm = readResource("/audio/wav/0880-1s-44k1-stereo.s16le");
        short[] reference = Signals.resourceWav16("/audio/wav/0880-1s-16k-mono-s16.wav");
        List<byte[]> chunks = new ArrayList<>();
        int chunk = 4 * 441 * 2; // 20 ms of 44.1 kHz stereo
        for (int p = 0; p < pcm.length; p += chunk) {
            chunks.add(Arrays.copyOfRange(pcm, p, Math.min(pcm.length, p + chunk)));
        }
        StreamClient c = connect();
        JsonNode started = c.start(Map.of("codecs", List.of("opus", "pcm_s16le"), "sample_rate", 44_100,
                "channels", 2));
        assertEquals("pcm_s16le", started.at("/codec/name").asText(), "Opus does not take 44.1 kHz: PCM is picked");
        stream(c, chunks);
        HttpResponse<byte[]> live = audio(started.path("session_id").asText(), started.path("resume_token").asText());
        short[] decoded = wavSamples(live, "live session");
        assertEquals(String.valueOf(chunks.size()), live.headers().firstValue("Earshot-Chunks").orElse(""));
        assertEquals((pcm.length / 4 * 16_000L + 44_099) / 44_100, decoded.length);
        double snr = Signals.snrDb(reference, decoded);
        System.out.printf("PCM 44.1 kHz stereo over the endpoint: SNR %.1f dB against the 16 kHz reference%n", snr);
        assertTrue(snr >= 55, "SNR " + snr); // measured 65.7 dB
        c.sendJson(Map.of("type", "end"));
        assertEquals(1000, c.expect("ended").path("audio_ms").asLong());
    }

    @Test
    void anUndecodablePacketGetsBadAudioAndNeitherTheSessionNorItsNeighbourStops() throws Exception {
        short[] source = Arrays.copyOf(Signals.resourceWav16(CLIP), 16_000);
        List<byte[]> packets = new ArrayList<>(ConcentusEncoding.encode(source, 16_000, 1, 20, 24_000));
        StreamClient neighbour = connect();
        neighbour.start();
        List<byte[]> neighbourChunks = Frames.pcmChunks(40, 640, 3);
        neighbour.sendBinary(Frames.frame(neighbourChunks, 1, 20));

        StreamClient c = connect();
        JsonNode started = c.start(Map.of("codecs", List.of("opus"), "sample_rate", 16_000));
        // Chunk 11: a table of contents promising 63 frames of 20 ms (code 3), far over 120 ms: no valid packet.
        packets.set(10, new byte[] {(byte) 0x0B, (byte) 0x3F, 1, 2, 3});
        c.sendBinary(Frames.frame(packets, 1, 20));
        JsonNode bad = c.expectError("bad_audio");
        assertEquals(11, bad.path("seq").asLong(), bad::toString);
        assertFalse(bad.path("fatal").asBoolean(), bad::toString);
        assertFalse(bad.path("retryable").asBoolean(), bad::toString);
        assertFalse(bad.toString().contains("Exception"), bad::toString);
        c.awaitAck(20);
        stream(c, packets.subList(20, packets.size()), 21);

        neighbour.sendBinary(Frames.frame(neighbourChunks, 21, 40));
        neighbour.awaitAck(40);
        neighbour.sendJson(Map.of("type", "end"));
        JsonNode neighbourEnded = neighbour.expect("ended");
        assertEquals(0, neighbourEnded.path("bad_audio_chunks").asLong());
        assertEquals(40, neighbourEnded.path("chunks").asLong());

        c.sendJson(Map.of("type", "end"));
        JsonNode ended = c.expect("ended");
        assertEquals(packets.size(), ended.path("chunks").asLong());
        assertEquals(1, ended.path("bad_audio_chunks").asLong());
        assertEquals((packets.size() - 1) * 20L, ended.path("audio_ms").asLong());
        short[] decoded = wavSamples(audio(started.path("session_id").asText(),
                started.path("resume_token").asText()), "with a bad packet");
        assertArrayEquals(localDecode(AudioCodec.OPUS, 16_000, 1, packets), decoded);
        assertEquals((packets.size() - 1) * 320, decoded.length, "the bad packet stated no duration");
    }

    @Test
    void theAudioEndpointWantsTheSessionsOwnTokenAndGivesOneAnswerOtherwise() throws Exception {
        StreamClient c = connect();
        JsonNode started = c.start();
        String id = started.path("session_id").asText();
        String token = started.path("resume_token").asText();
        c.sendBinary(Frames.frame(Frames.pcmChunks(5, 640, 9), 1, 5));
        c.awaitAck(5);

        HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(http("v1/sessions/" + id + "/audio")).GET()
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, none.statusCode());
        assertEquals("token_required", StreamClient.JSON.readTree(none.body()).path("code").asText(), none.body());

        HttpResponse<String> wrong = get("v1/sessions/" + id + "/audio", token.substring(1) + "A");
        HttpResponse<String> unknown = get("v1/sessions/s_doesNotExist/audio", token);
        HttpResponse<String> traversal = get("v1/sessions/..%2F..%2Fetc/audio", token);
        for (HttpResponse<String> r : List.of(wrong, unknown)) {
            assertEquals(404, r.statusCode(), r.body());
            assertEquals("session_not_found", StreamClient.JSON.readTree(r.body()).path("code").asText(), r.body());
            assertEquals(wrong.body(), r.body(), "one answer for wrong tokens and unknown sessions");
        }
        assertTrue(traversal.statusCode() == 404 || traversal.statusCode() == 400, traversal::toString);
        assertFalse(traversal.body().contains("Exception") || traversal.body().contains("java."), traversal.body());

        HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(http("v1/sessions/" + id + "/audio"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header(TOKEN, token)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
        assertEquals(String.valueOf(44 + 5 * 640), head.headers().firstValue("Content-Length").orElse(""));
        assertEquals("5", head.headers().firstValue("Earshot-Chunks").orElse(""));
        short[] decoded = wavSamples(audio(id, token), "live PCM session");
        assertArrayEquals(localDecode(AudioCodec.PCM_S16LE, 16_000, 1, Frames.pcmChunks(5, 640, 9)), decoded);
    }

    /**
     * {@code earshot.limits.max-audio-downloads} is 1 in the tests: while one client holds a download open
     * (reading nothing), another gets {@code 503 server_busy}; once the first goes away, downloads work again.
     */
    @Test
    void downloadsOverTheLimitGetServerBusyUntilARunningOneEnds() throws Exception {
        StreamClient c = connect();
        JsonNode started = c.start();
        String id = started.path("session_id").asText();
        String token = started.path("resume_token").asText();
        // Five minutes of audio: a 9.6 MB file, far more than the socket buffers hold.
        stream(c, Frames.pcmChunks(1_500, 6_400, 5));
        String request = "GET " + http("v1/sessions/" + id + "/audio").getRawPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + TOKEN + ": " + token + "\r\n\r\n";
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4_096);
            stalled.connect(new InetSocketAddress("127.0.0.1", serverPort()), 5_000);
            stalled.setSoTimeout(10_000);
            stalled.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            byte[] status = stalled.getInputStream().readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.US_ASCII));

            HttpResponse<String> busy = get("v1/sessions/" + id + "/audio", token);
            assertEquals(503, busy.statusCode(), busy.body());
            assertEquals("server_busy", StreamClient.JSON.readTree(busy.body()).path("code").asText());
            assertTrue(busy.headers().firstValue("Retry-After").isPresent(), busy.headers()::toString);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        HttpResponse<Void> again;
        do {
            Thread.sleep(200);
            again = HTTP.send(HttpRequest.newBuilder(http("v1/sessions/" + id + "/audio")).GET().header(TOKEN, token)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
        } while (again.statusCode() == 503 && System.nanoTime() < deadline);
        assertEquals(200, again.statusCode(), "the slot of the abandoned download is given back");
    }

    // ---- helpers

    /** Streams chunks numbered from 1, eight to a frame, keeping well inside the credit window, and waits for the last ack. */
    private static void stream(StreamClient c, List<byte[]> chunks) {
        stream(c, chunks, 1);
    }

    private static void stream(StreamClient c, List<byte[]> chunks, long firstSeq) {
        List<byte[]> numbered = new ArrayList<>();
        for (long s = 1; s < firstSeq; s++) {
            numbered.add(null);
        }
        numbered.addAll(chunks);
        long last = firstSeq + chunks.size() - 1;
        for (long from = firstSeq; from <= last; from += 8) {
            long to = Math.min(last, from + 7);
            if (to - c.lastAck() > 48) {
                c.awaitAck(to - 48);
            }
            c.sendBinary(Frames.frame(numbered, from, to));
        }
        c.awaitAck(last);
    }

    private HttpResponse<byte[]> audio(String id, String token) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(http("v1/sessions/" + id + "/audio")).GET()
                .header(TOKEN, token).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
        return r;
    }

    private HttpResponse<String> get(String relative, String token) throws Exception {
        URI uri = http(relative);
        return HTTP.send(HttpRequest.newBuilder(uri).GET().header(TOKEN, token).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Checks the response is a canonical 16 kHz mono 16-bit WAV of the promised length; returns its samples. */
    private static short[] wavSamples(HttpResponse<byte[]> r, String what) {
        byte[] b = r.body();
        assertEquals("audio/wav", r.headers().firstValue("Content-Type").orElse(""), what);
        assertEquals(String.valueOf(b.length), r.headers().firstValue("Content-Length").orElse(""), what);
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("RIFF", new String(b, 0, 4, StandardCharsets.US_ASCII), what);
        assertEquals(b.length - 8, h.getInt(4), what);
        assertEquals("WAVEfmt ", new String(b, 8, 8, StandardCharsets.US_ASCII), what);
        assertEquals(1, h.getShort(20), what);
        assertEquals(1, h.getShort(22), what);
        assertEquals(16_000, h.getInt(24), what);
        assertEquals(16, h.getShort(34), what);
        assertEquals("data", new String(b, 36, 4, StandardCharsets.US_ASCII), what);
        assertEquals(b.length - 44, h.getInt(40), what);
        short[] s = new short[(b.length - 44) / 2];
        h.position(44);
        h.asShortBuffer().get(s);
        return s;
    }

    /** What Earshot's own decoder makes of the chunks in this JVM. */
    private static short[] localDecode(AudioCodec codec, int rate, int channels, List<byte[]> chunks) {
        Signals.Collector sink = new Signals.Collector();
        PacketDecoder decoder = codec.newDecoder(rate, channels, sink);
        for (byte[] chunk : chunks) {
            try {
                decoder.decode(chunk, 0, chunk.length);
            } catch (BadAudioException e) {
                // Concealed, as on the server.
            }
        }
        decoder.finish();
        return sink.samples();
    }

    private static byte[] readResource(String path) throws Exception {
        try (var in = AudioPathIT.class.getResourceAsStream(path)) {
            return in.readAllBytes();
        }
    }
}
