package io.earshot.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.audio.Signals;
import io.earshot.engine.LibriVox;
import io.earshot.engine.Wer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live transcription on the real server with the embedded Sphinx4 engine: the five LibriVox clips streamed
 * through {@code /v1/stream} in 20 ms chunks, their {@code transcript} events against the reference
 * transcripts, the events' ties to the audio, and a resume in the middle that must deliver exactly the
 * transcripts missed.
 *
 * <p>First of the classes on the shared server (pom.xml runs them in reverse alphabetical order): each Sphinx4
 * recognizer adapts to what it heard before, and the resume test compares two sessions' utterance boundaries exactly, so this
 * class gets the recognizers as it always had them, fresh from a boot, not after the other classes' speech.
 */
@ExtendWith(ArquillianExtension.class)
class TranscriptionIT extends EarshotDeployment {

    private static final Duration TRANSCRIPT_WAIT = Duration.ofSeconds(60);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** The engine loads in the background after deployment: wait (bounded) until status says it is ready. */
    @org.junit.jupiter.api.BeforeEach
    void engineReady() throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode engine = status().path("engine");
        while (!engine.path("ready").asBoolean()) {
            assertEquals("loading", engine.path("state").asText(), engine::toString);
            if (System.nanoTime() > end) {
                throw new AssertionError("engine not ready after 120 s: " + engine);
            }
            Thread.sleep(250);
            engine = status().path("engine");
        }
        assertEquals("closed", engine.path("breaker").asText(), engine::toString);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private StreamClient connect() {
        StreamClient c = StreamClient.connect(streamUri());
        closeables.add(c);
        return c;
    }

    /**
     * Measured on this server with the defaults: 24 word errors in 71 reference words (33.8 %); the engine on
     * whole clips made 22 (Sphinx4EngineTest), the benchmark 23 to 25 per pass. The bound is 40 %.
     */
    @Test
    void theLibriVoxClipsAreTranscribedWithinTheWordErrorBound() throws Exception {
        int errors = 0;
        int words = 0;
        for (LibriVox.Clip clip : LibriVox.clips()) {
            StreamClient c = connect();
            JsonNode started = c.start(Map.of("transcribe", true));
            assertTrue(started.path("transcribe").asBoolean(), started::toString);
            List<byte[]> chunks = chunks(clip.samples());
            stream(c, chunks, 1);
            c.sendJson(Map.of("type", "end"));
            List<JsonNode> transcripts = new ArrayList<>();
            JsonNode ended = collect(c, transcripts);
            assertEquals("complete", ended.path("transcription").asText(), ended::toString);
            StringBuilder text = new StringBuilder();
            long previousEnd = -1;
            long previousEvent = 0;
            for (JsonNode t : transcripts) {
                assertEquals("final", t.path("status").asText(), t::toString);
                assertTrue(t.path("event_seq").asLong() > previousEvent, t::toString);
                previousEvent = t.path("event_seq").asLong();
                long start = t.path("start_ms").asLong();
                long end = t.path("end_ms").asLong();
                assertTrue(start >= previousEnd && end > start && end <= clip.samples().length / 16 + 20, t::toString);
                previousEnd = end;
                long firstSeq = t.path("first_seq").asLong();
                long lastSeq = t.path("last_seq").asLong();
                // 20 ms chunks: the chunk of a time is its 20 ms slot (plus one for the resampler-free edge).
                assertTrue(Math.abs(firstSeq - (start / 20 + 1)) <= 1 && Math.abs(lastSeq - ((end - 1) / 20 + 1)) <= 1,
                        t::toString);
                assertEquals(t.path("text").asText(), String.join(" ", t.path("words").findValuesAsText("word")));
                text.append(t.path("text").asText()).append(' ');
            }
            int e = Wer.errors(Wer.words(clip.reference()), Wer.words(text.toString()));
            System.out.printf("%s over the stream: %d errors / %d words: %s%n", clip.id(), e,
                    Wer.words(clip.reference()).size(), text.toString().strip());
            errors += e;
            words += Wer.words(clip.reference()).size();
        }
        System.out.printf("Live transcription of the LibriVox clips: WER %.1f %% (%d / %d)%n", 100.0 * errors / words,
                errors, words);
        assertTrue(errors <= 0.40 * words, "WER " + errors + " / " + words);
    }

    /**
     * Three clips with pauses between them, so three utterances or more. The connection is cut after the first
     * transcript; transcripts go on being made while the session waits; the resumed client gets the ones it
     * missed, once, and the whole set reads the same as without the cut.
     */
    @Test
    void aResumeDeliversExactlyTheTranscriptsMissedNoneTwice() throws Exception {
        List<LibriVox.Clip> clips = LibriVox.clips();
        short[] audio = concat(clips.get(0).samples(), new short[16_000], clips.get(1).samples(), new short[16_000],
                clips.get(2).samples(), new short[8_000]);
        List<byte[]> chunks = chunks(audio);

        StreamClient reference = connect();
        reference.start(Map.of("transcribe", true));
        stream(reference, chunks, 1);
        reference.sendJson(Map.of("type", "end"));
        List<JsonNode> uncut = new ArrayList<>();
        collect(reference, uncut);
        assertTrue(uncut.size() >= 3, "one transcript per clip at least: " + uncut);

        CuttableProxy proxy = new CuttableProxy(serverPort());
        closeables.add(proxy);
        StreamClient first = StreamClient.connect(streamUri(proxy.port()));
        closeables.add(first);
        JsonNode started = first.start(Map.of("transcribe", true, "limits", Map.of("resume_grace_ms", 60_000)));
        stream(first, chunks, 1);
        List<JsonNode> seen = new ArrayList<>();
        seen.add(nextTranscript(first));
        proxy.cutAll();
        long lastEventSeq = seen.get(seen.size() - 1).path("event_seq").asLong();

        Thread.sleep(1_500);
        StreamClient second = connect();
        JsonNode resumed = second.start(Map.of("resume", Map.of("session_id", started.path("session_id").asText(),
                "resume_token", started.path("resume_token").asText(), "last_event_seq", lastEventSeq)));
        assertTrue(resumed.path("resumed").asBoolean(), resumed::toString);
        assertFalse(resumed.has("events_unavailable"), resumed::toString);
        second.sendJson(Map.of("type", "end"));
        List<JsonNode> after = new ArrayList<>();
        JsonNode ended = collect(second, after);
        assertEquals("complete", ended.path("transcription").asText());
        seen.addAll(after);

        Set<Long> numbers = new HashSet<>();
        for (int i = 0; i < seen.size(); i++) {
            long n = seen.get(i).path("event_seq").asLong();
            assertTrue(numbers.add(n), "event " + n + " delivered twice");
            assertEquals(i + 1, n, "events numbered from 1 without a gap: " + seen);
        }
        // The same utterances as without the cut. Not always the same words: each Sphinx4 recognizer keeps adapting
        // its cepstral mean to what it heard before, so a word can differ with the recognizer's history.
        assertEquals(uncut.size(), seen.size(), () -> texts(uncut) + " / " + texts(seen));
        for (int i = 0; i < uncut.size(); i++) {
            String a = texts(uncut).get(i);
            String b = texts(seen).get(i);
            assertTrue(Wer.errors(Wer.words(a), Wer.words(b)) <= 2, a + " / " + b);
        }
        assertEquals(uncut.stream().map(t -> t.path("first_seq").asLong()).toList(),
                seen.stream().map(t -> t.path("first_seq").asLong()).toList());
    }

    /**
     * The five clips (25 s) sent as fast as the window allows, far faster than the engine transcribes: the
     * audio is acked all the same, the session is told to slow down because of the engine's lag
     * ({@code earshot.engine.max-lag-ms} is 1 s in the tests), then that all is well again, and every utterance
     * is transcribed before {@code ended}.
     */
    @Test
    void anEngineSlowerThanTheSpeakerGetsFlowSlowDownWithItsLagAndStillTranscribesEverything() throws Exception {
        List<LibriVox.Clip> clips = LibriVox.clips();
        short[][] parts = new short[2 * clips.size()][];
        for (int i = 0; i < clips.size(); i++) {
            parts[2 * i] = clips.get(i).samples();
            parts[2 * i + 1] = new short[16_000];
        }
        List<byte[]> chunks = chunks(concat(parts));
        StreamClient c = connect();
        c.start(Map.of("transcribe", true));
        long sent = System.nanoTime();
        stream(c, chunks, 1);
        long streamedMs = (System.nanoTime() - sent) / 1_000_000;
        c.sendJson(Map.of("type", "end"));
        List<JsonNode> transcripts = new ArrayList<>();
        List<JsonNode> flows = new ArrayList<>();
        JsonNode ended;
        while (true) {
            JsonNode m = c.next(TRANSCRIPT_WAIT);
            String type = m.path("type").asText();
            if (type.equals("ended")) {
                ended = m;
                break;
            }
            (type.equals("flow") ? flows : transcripts).add(m);
        }
        System.out.printf("%d chunks streamed in %d ms; flow messages: %s%n", chunks.size(), streamedMs, flows);
        assertTrue(streamedMs < chunks.size() * 20L / 2, "audio went in faster than real time: " + streamedMs + " ms");
        JsonNode slowDown = flows.stream().filter(f -> f.path("state").asText().equals("slow_down")).findFirst()
                .orElseThrow(() -> new AssertionError("no flow slow_down: " + flows));
        assertEquals("engine_lag", slowDown.path("reason").asText(), slowDown::toString);
        assertTrue(slowDown.path("lag_ms").asLong() >= 750, slowDown::toString);
        assertEquals("complete", ended.path("transcription").asText());
        assertEquals(chunks.size(), ended.path("chunks").asLong(), "every chunk acked while the engine lagged");
        assertTrue(transcripts.size() >= clips.size(), transcripts::toString);
        assertTrue(transcripts.stream().allMatch(t -> t.path("status").asText().equals("final")));
    }

    // ---- helpers

    /** 20 ms chunks of 16 kHz mono PCM. */
    static List<byte[]> chunks(short[] samples) {
        byte[] pcm = Signals.s16le(samples);
        List<byte[]> chunks = new ArrayList<>();
        for (int p = 0; p < pcm.length; p += 640) {
            chunks.add(java.util.Arrays.copyOfRange(pcm, p, Math.min(pcm.length, p + 640)));
        }
        return chunks;
    }

    /** Sends chunks {@code from..} eight to a frame, keeping inside the window, and waits for the last ack. */
    static void stream(StreamClient c, List<byte[]> chunks, long from) {
        long last = chunks.size();
        for (long s = from; s <= last; s += 8) {
            long to = Math.min(last, s + 7);
            if (to - c.lastAck() > 48) {
                c.awaitAckAllowing(to - 48, "transcript", "flow");
            }
            c.sendBinary(Frames.frame(chunks, s, to));
        }
        c.awaitAckAllowing(last, "transcript", "flow");
    }

    /** Reads transcripts into {@code into} until {@code ended}, which it returns. */
    static JsonNode collect(StreamClient c, List<JsonNode> into) {
        while (true) {
            JsonNode m = c.next(TRANSCRIPT_WAIT);
            String type = m.path("type").asText();
            if (type.equals("transcript")) {
                into.add(m);
            } else if (type.equals("ended")) {
                return m;
            } else if (!type.equals("flow")) {
                throw new AssertionError("unexpected message " + m);
            }
        }
    }

    static JsonNode nextTranscript(StreamClient c) {
        while (true) {
            JsonNode m = c.next(TRANSCRIPT_WAIT);
            if (m.path("type").asText().equals("transcript")) {
                return m;
            }
            assertEquals("flow", m.path("type").asText(), m::toString);
        }
    }

    private static List<String> texts(List<JsonNode> transcripts) {
        return transcripts.stream().map(t -> t.path("text").asText()).toList();
    }

    private static short[] concat(short[]... parts) {
        int n = 0;
        for (short[] p : parts) {
            n += p.length;
        }
        short[] out = new short[n];
        int at = 0;
        for (short[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
