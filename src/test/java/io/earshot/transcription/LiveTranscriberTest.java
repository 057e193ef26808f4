package io.earshot.transcription;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.engine.LibriVox;
import io.earshot.engine.Recognition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A live stream's transcription with a fake engine whose speed and failures the test controls: results come
 * in stream order with stream times, sessions share the engine threads turn by turn, the pending audio is
 * bounded, lag is reported, and the end is signalled once everything is done.
 */
class LiveTranscriberTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** Records what a session is told. */
    static final class Recorder implements LiveTranscriber.Listener {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch drained = new CountDownLatch(1);
        final AtomicInteger drainedCalls = new AtomicInteger();

        @Override
        public void recognized(long startSample, long endSample, List<Recognition> recognitions) {
            for (Recognition r : recognitions) {
                events.add("final " + r.text() + " " + r.startMs() + "-" + r.endMs() + " @" + startSample);
            }
        }

        @Override
        public void notTranscribed(long startSample, long endSample, String reason) {
            events.add("skipped " + reason + " @" + startSample);
        }

        @Override
        public void drained() {
            drainedCalls.incrementAndGet();
            drained.countDown();
        }
    }

    /** A recognizer that names each segment by its length, after {@code delayMs}. */
    private static LiveTranscriber.Recognizer fake(long delayMs, AtomicInteger calls) {
        return samples -> {
            calls.incrementAndGet();
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new GuardedEngine.Outcome(List.of(new Recognition("words" + samples.length,
                    List.of(new Recognition.Word("w", 100, 200, null)), null, 100, 200)), null);
        };
    }

    /** Three LibriVox clips with 2 s of silence around each. */
    private static short[] stream() {
        List<LibriVox.Clip> clips = LibriVox.clips();
        int n = 32_000;
        for (int i = 0; i < 3; i++) {
            n += clips.get(i).samples().length + 32_000;
        }
        short[] s = new short[n];
        int at = 32_000;
        for (int i = 0; i < 3; i++) {
            short[] c = clips.get(i).samples();
            System.arraycopy(c, 0, s, at, c.length);
            at += c.length + 32_000;
        }
        return s;
    }

    private static void feed(LiveTranscriber t, short[] s, int chunk) {
        for (int p = 0; p < s.length; p += chunk) {
            t.accept(s, p, Math.min(chunk, s.length - p));
        }
    }

    @Test
    void utterancesAreRecognizedInOrderWithStreamTimesAndTheEndIsSignalledOnce() throws Exception {
        Recorder r = new Recorder();
        AtomicInteger calls = new AtomicInteger();
        LiveTranscriber t = new LiveTranscriber(fake(20, calls), threads, Segmenter.Settings.defaults(), 16_000 * 60, r);
        feed(t, stream(), 320);
        t.finish();
        assertTrue(r.drained.await(10, TimeUnit.SECONDS));
        Thread.sleep(100);
        assertEquals(1, r.drainedCalls.get());
        assertEquals(3, r.events.size(), r.events::toString);
        long previous = -1;
        for (String e : r.events) {
            long at = Long.parseLong(e.substring(e.indexOf('@') + 1));
            long startMs = Long.parseLong(e.split(" ")[2].split("-")[0]);
            assertTrue(at > previous, r.events::toString);
            assertEquals(at / 16 + 100, startMs, "times are shifted to the stream: " + e);
            previous = at;
        }
        assertEquals(0, t.lagSamples());
    }

    @Test
    void aSlowEngineShowsAsLagAndEveryUtteranceIsStillTranscribed() throws Exception {
        Recorder r = new Recorder();
        AtomicInteger calls = new AtomicInteger();
        LiveTranscriber t = new LiveTranscriber(fake(400, calls), threads, Segmenter.Settings.defaults(), 16_000 * 60, r);
        short[] s = stream();
        feed(t, s, 320);
        long lag = t.lagSamples();
        assertTrue(lag > 16_000, "audio fed faster than the engine: lag " + lag);
        assertTrue(t.transcribedThrough() < s.length - 16_000);
        t.finish();
        assertTrue(r.drained.await(10, TimeUnit.SECONDS));
        assertEquals(3, calls.get());
        assertEquals(0, t.lagSamples());
        assertEquals(s.length, t.transcribedThrough());
    }

    @Test
    void pendingAudioIsBoundedAndWhatDoesNotFitIsReportedAsSkipped() throws Exception {
        Recorder r = new Recorder();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        LiveTranscriber.Recognizer blocked = samples -> {
            calls.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new GuardedEngine.Outcome(List.of(), null);
        };
        // Room for one clip waiting besides the one being recognized.
        LiveTranscriber t = new LiveTranscriber(blocked, threads, Segmenter.Settings.defaults(), 16_000 * 8, r);
        feed(t, stream(), 320);
        t.finish();
        release.countDown();
        assertTrue(r.drained.await(10, TimeUnit.SECONDS));
        assertTrue(r.events.stream().anyMatch(e -> e.startsWith("skipped engine_overloaded")), r.events::toString);
        assertEquals(3, calls.get() + r.events.stream().filter(e -> e.startsWith("skipped")).count());
    }

    @Test
    void failuresAreReportedPerUtteranceAndTheStreamGoesOn() throws Exception {
        Recorder r = new Recorder();
        AtomicInteger calls = new AtomicInteger();
        LiveTranscriber.Recognizer flaky = samples -> calls.incrementAndGet() == 2
                ? new GuardedEngine.Outcome(null, "engine_failed")
                : new GuardedEngine.Outcome(List.of(new Recognition("ok", List.of(), null, 0, 10)), null);
        LiveTranscriber t = new LiveTranscriber(flaky, threads, Segmenter.Settings.defaults(), 16_000 * 60, r);
        feed(t, stream(), 4_096);
        t.finish();
        assertTrue(r.drained.await(10, TimeUnit.SECONDS));
        assertEquals(3, r.events.size(), r.events::toString);
        assertTrue(r.events.get(1).startsWith("skipped engine_failed"), r.events::toString);
    }

    /**
     * A shutdown: the engine, interrupted, fails with {@link GuardedEngine#STOPPING}. That is not reported as a
     * skipped utterance, nor is anything after it: the audio is stored, and the restored session
     * transcribes that utterance again (an event sent now, after the storage closed, would have no journal line).
     */
    @Test
    void aRecognitionCutShortByAShutdownIsNotReported() throws Exception {
        Recorder r = new Recorder();
        CountDownLatch inEngine = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        LiveTranscriber.Recognizer stopping = samples -> {
            int call = calls.incrementAndGet();
            if (call == 1) {
                return new GuardedEngine.Outcome(List.of(new Recognition("first", List.of(), null, 0, 10)), null);
            }
            inEngine.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new GuardedEngine.Outcome(null, GuardedEngine.STOPPING);
        };
        LiveTranscriber t = new LiveTranscriber(stopping, threads, Segmenter.Settings.defaults(), 16_000 * 60, r);
        feed(t, stream(), 4_096);
        assertTrue(inEngine.await(10, TimeUnit.SECONDS));
        release.countDown();
        Thread.sleep(300);
        t.close();
        // the engine said the server is stopping: nothing reported, no other utterance recognized, no end signalled
        assertEquals(1, r.events.size(), r.events::toString);
        assertTrue(r.events.get(0).startsWith("final first"), r.events::toString);
        assertEquals(2, calls.get());
        assertEquals(0, r.drainedCalls.get());
    }

    @Test
    void twoSessionsOnOneThreadTakeTurnsUtteranceByUtterance() throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            Recorder a = new Recorder();
            Recorder b = new Recorder();
            LiveTranscriber ta = new LiveTranscriber(samples -> {
                order.add("a");
                sleep(50);
                return new GuardedEngine.Outcome(List.of(), null);
            }, one, Segmenter.Settings.defaults(), 16_000 * 60, a);
            LiveTranscriber tb = new LiveTranscriber(samples -> {
                order.add("b");
                sleep(50);
                return new GuardedEngine.Outcome(List.of(), null);
            }, one, Segmenter.Settings.defaults(), 16_000 * 60, b);
            short[] s = stream();
            feed(ta, s, s.length);
            feed(tb, s, s.length);
            ta.finish();
            tb.finish();
            assertTrue(a.drained.await(10, TimeUnit.SECONDS) && b.drained.await(10, TimeUnit.SECONDS));
            // a got the thread first; then they alternate instead of a running all three utterances first.
            assertEquals(List.of("a", "b", "a", "b", "a", "b"), order);
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void aStoreOnlySessionTranscribesNothingAndIsAlwaysDrained() {
        Recorder r = new Recorder();
        LiveTranscriber t = LiveTranscriber.storeOnly(r);
        short[] s = stream();
        feed(t, s, 320);
        assertEquals(0, t.lagSamples());
        assertEquals(s.length, t.transcribedThrough());
        t.finish();
        assertEquals(1, r.drainedCalls.get());
        assertEquals(List.of(), r.events);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
