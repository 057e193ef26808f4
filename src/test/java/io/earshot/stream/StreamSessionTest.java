package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.config.EarshotConfig.Durability;
import io.earshot.protocol.ClientMessage;
import io.earshot.protocol.CloseCodes;
import io.earshot.protocol.ServerMessage.SessionEvent;
import io.earshot.protocol.ServerMessage;
import io.earshot.security.RateLimiter;
import io.earshot.stream.SessionHarness.Peer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session rules of docs/api/streaming.md, one per test, without a server: fake transport, clock and engine. */
class StreamSessionTest {

    @TempDir
    Path tmp;

    private SessionHarness harness(String... settings) {
        return new SessionHarness(tmp.resolve("spool"), settings);
    }

    // ---- start and acks ---------------------------------------------------------------------------------

    @Test
    void firstAttachAnswersStartedWithTokenCodecLimitsAndWindow() {
        SessionHarness h = harness("earshot.flow.window", "64");
        Peer p = h.connect();
        StreamSession s = h.start(p);

        ServerMessage.Started started = (ServerMessage.Started) p.sent().get(0);
        assertEquals(s.id(), started.sessionId());
        assertEquals("token-" + s.id(), started.resumeToken());
        assertFalse(started.resumed());
        assertEquals("active", started.state());
        assertEquals(1, started.attempt());
        assertEquals("pcm_s16le", started.codec().name());
        assertEquals(64, started.window());
        assertEquals(h.config.idleTimeoutMs, started.limits().idleTimeoutMs());
        assertEquals(h.config.eventBuffer, started.limits().eventBuffer());
    }

    @Test
    void chunksAreAckedCumulativelyOnceStored() throws Exception {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p);

        p.audio(1, 3);
        p.audio(4, 2);

        assertEquals(5, p.lastAck());
        assertEquals(5, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
    }

    @Test
    void anAckForAFrameSentRightAfterStartGoesOutAfterStarted() {
        SessionHarness h = harness();
        Peer p = h.connect();
        h.start(p); // started is queued; the writer has not run yet

        p.audio(1, 1); // the next message on the same container thread: acked at once (os)

        List<ServerMessage> sent = p.sent();
        assertTrue(sent.get(0) instanceof ServerMessage.Started, "started first: " + sent);
        assertEquals(List.of(new ServerMessage.Ack(1)), p.all(ServerMessage.Ack.class));
    }

    @Test
    void onResumeNoAckOvertakesStartedOrTheReplayedEvents() {
        SessionHarness h = harness();
        Peer first = h.connect();
        StreamSession s = h.start(first);
        first.connection.onMessage(new ClientMessage.Mark("seen")); // event 1
        first.sent();
        first.connection.closed("closed 1006");

        Peer second = h.resume(s, 0); // started, then event 1 replayed; the writer has not run yet
        second.audio(1, 1);

        List<ServerMessage> sent = second.sent();
        assertTrue(sent.get(0) instanceof ServerMessage.Started, "started first: " + sent);
        assertTrue(sent.get(1) instanceof ServerMessage.MarkReached, "then the replayed event: " + sent);
        assertEquals(new ServerMessage.Ack(1), sent.get(2));
    }

    @Test
    void acksWaitingToBeWrittenAreCoalescedIntoTheHighest() {
        SessionHarness h = harness();
        Peer p = h.connect();
        h.start(p);
        p.sent();

        p.audio(1, 1);
        p.audio(2, 1);
        p.audio(3, 1);

        assertEquals(List.of(3L), p.all(ServerMessage.Ack.class).stream().map(ServerMessage.Ack::seq).toList());
    }

    @Test
    void duplicateChunksAreReackedAndNotStoredAgain() throws Exception {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.audio(1, 3);
        p.sent().clear();

        p.audio(2, 2);

        assertEquals(List.of(3L), p.all(ServerMessage.Ack.class).stream().map(ServerMessage.Ack::seq).toList());
        assertEquals(3, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
        assertTrue(p.errorCodes().isEmpty());
    }

    @Test
    void aFrameOverlappingTheStoredChunksStoresOnlyTheNewOnes() throws Exception {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.audio(1, 3);

        p.audio(2, 4);

        assertEquals(5, p.lastAck());
        assertEquals(5, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
    }

    @Test
    void gapInSequenceIsRejectedWithExpectedSeq() throws Exception {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.audio(1, 2);

        p.audio(5, 1);

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("out_of_order", e.code());
        assertEquals(5L, e.seq());
        assertEquals(3L, e.expectedSeq());
        assertFalse(e.fatal());
        assertEquals(2, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
    }

    @Test
    void aFrameBeyondTheCreditWindowIsRefusedWithWindowExceeded() {
        SessionHarness h = harness("earshot.flow.window", "8");
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.DISK, false));
        p.audio(1, 8);

        p.audio(9, 1);

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("window_exceeded", e.code());
        assertEquals(0L, e.lastAckedSeq());
        assertEquals(8, e.window());
        assertEquals(9L, e.seq());
    }

    @Test
    void diskDurabilityAcksOnlyAfterTheForcedFlush() {
        SessionHarness h = harness("earshot.spool.force-interval-ms", "50");
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.DISK, false));

        p.audio(1, 2);
        assertEquals(0, p.lastAck());

        h.clock.advanceMs(50);
        h.tick(s);
        assertEquals(2, p.lastAck());
    }

    @Test
    void aPcmChunkOfPartSamplesIsRefusedWithBadFrameAndNothingIsStored() throws Exception {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p);

        p.connection.onAudio(SessionHarness.frame(1, new byte[640], new byte[641]));

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("bad_frame", e.code());
        assertEquals(2L, e.seq());
        assertEquals(0, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
    }

    @Test
    void audioOverTheClientsBudgetIsRefusedWithRateLimitedAndNotStored() throws Exception {
        SessionHarness h = harness();
        AtomicLong nanos = new AtomicLong();
        SessionServices budget = new SessionServices(h.config, h.clock, h.services.transcribers(), h.jobs,
                new RateLimiter(1, 100, nanos::get));
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, false), budget);

        p.audio(1, 50); // one second of audio: the whole budget
        p.audio(51, 1);

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("rate_limited", e.code());
        assertEquals(51L, e.seq());
        assertNotNull(e.retryAfterMs());
        assertFalse(e.fatal());
        assertEquals(50, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
    }

    // ---- marks ------------------------------------------------------------------------------------------

    @Test
    void markWithEverythingAckedIsReachedAtOnce() {
        SessionHarness h = harness();
        Peer p = h.connect();
        h.start(p);
        p.audio(1, 2);

        p.connection.onMessage(new ClientMessage.Mark("here"));

        ServerMessage.MarkReached m = p.last(ServerMessage.MarkReached.class);
        assertEquals("here", m.name());
        assertEquals(2, m.seq());
        assertEquals(1, m.eventSeq());
    }

    @Test
    void markWaitsForTheAckOfTheAudioSentBeforeIt() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.DISK, false));
        p.audio(1, 3);

        p.connection.onMessage(new ClientMessage.Mark("after-3"));
        assertNull(p.last(ServerMessage.MarkReached.class));

        h.clock.advanceMs(h.config.forceIntervalMs);
        h.tick(s);
        ServerMessage.MarkReached m = p.last(ServerMessage.MarkReached.class);
        assertEquals("after-3", m.name());
        assertEquals(3, m.seq());
        List<ServerMessage> sent = p.sent();
        assertTrue(sent.indexOf(p.last(ServerMessage.Ack.class)) < sent.indexOf(m), "the ack comes first");
    }

    @Test
    void markWithoutAValidNameIsRefusedWithBadMessage() {
        SessionHarness h = harness();
        Peer p = h.connect();
        h.start(p);

        p.connection.onMessage(new ClientMessage.Mark(""));
        p.connection.onMessage(new ClientMessage.Mark("x".repeat(PendingMarks.MAX_NAME + 1)));

        assertEquals(List.of("bad_message", "bad_message"), p.errorCodes());
    }

    // ---- pause, flow ------------------------------------------------------------------------------------

    @Test
    void pauseHoldsEventsUntilResumeAndDropsNone() {
        SessionHarness h = harness();
        Peer p = h.connect();
        h.start(p);
        p.connection.onMessage(new ClientMessage.Pause());

        p.connection.onMessage(new ClientMessage.Mark("a"));
        p.connection.onMessage(new ClientMessage.Mark("b"));
        assertTrue(p.all(ServerMessage.MarkReached.class).isEmpty());

        p.connection.onMessage(new ClientMessage.Resume());
        assertEquals(List.of("a", "b"), p.all(ServerMessage.MarkReached.class).stream()
                .map(ServerMessage.MarkReached::name).toList());
    }

    @Test
    void holdingMoreEventsThanTheBufferReleasesThemWithHoldOverflow() {
        SessionHarness h = harness("earshot.resume.event-buffer", "3");
        Peer p = h.connect();
        h.start(p);
        p.connection.onMessage(new ClientMessage.Pause());

        for (int i = 1; i <= 3; i++) {
            p.connection.onMessage(new ClientMessage.Mark("m" + i));
        }

        assertEquals(List.of("hold_overflow"), p.errorCodes());
        assertEquals(List.of(1L, 2L, 3L), p.all(ServerMessage.MarkReached.class).stream()
                .map(ServerMessage.MarkReached::eventSeq).toList());
    }

    @Test
    void slowDownIsSentWhenAcksLagAndOkWhenTheyCatchUp() {
        SessionHarness h = harness("earshot.flow.window", "8");
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.DISK, false));

        p.audio(1, 6); // 6 of 8 unacked: the 75 % high water mark
        ServerMessage.Flow slow = p.last(ServerMessage.Flow.class);
        assertEquals("slow_down", slow.state());
        assertEquals("ack_backlog", slow.reason());
        assertEquals(6, slow.unacked());

        h.clock.advanceMs(h.config.forceIntervalMs);
        h.tick(s);
        assertEquals("ok", p.last(ServerMessage.Flow.class).state());
        assertEquals(2, p.all(ServerMessage.Flow.class).size());
    }

    @Test
    void slowDownIsSentWhenTheEngineLags() {
        SessionHarness h = harness("earshot.engine.max-lag-ms", "1000");
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));
        h.transcriptions.get(0).lag = 16 * 900; // 900 ms behind

        p.audio(1, 1);

        ServerMessage.Flow slow = p.last(ServerMessage.Flow.class);
        assertEquals("slow_down", slow.state());
        assertEquals("engine_lag", slow.reason());
        assertEquals(900, slow.lagMs());
        assertFalse(s.isEnded());
    }

    // ---- limits -----------------------------------------------------------------------------------------

    @Test
    void idleSessionEndsWithIdleTimeout() {
        SessionHarness h = harness("earshot.limits.idle-timeout-ms", "1000");
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.audio(1, 1);

        h.clock.advanceMs(1000);
        h.tick(s);
        assertFalse(s.isEnded(), "not before the limit");
        h.clock.advanceMs(1);
        h.tick(s);

        assertEquals(List.of("idle_timeout"), p.errorCodes());
        assertEquals("idle_timeout", p.last(ServerMessage.Ended.class).reason());
        assertEquals(CloseCodes.IDLE_TIMEOUT, p.closeCode());
    }

    @Test
    void sessionEndsAtItsMaximumDuration() {
        SessionHarness h = harness("earshot.limits.max-session-duration-ms", "2000");
        Peer p = h.connect();
        StreamSession s = h.start(p);

        for (int i = 1; i <= 3; i++) {
            h.clock.advanceMs(700);
            p.audio(i, 1); // never idle
            h.tick(s);
        }

        assertEquals(List.of("max_duration_reached"), p.errorCodes());
        ServerMessage.Ended ended = p.last(ServerMessage.Ended.class);
        assertEquals("max_duration", ended.reason());
        assertEquals(3, ended.lastSeq(), "the chunk that came before the limit was noticed is kept");
        assertEquals(CloseCodes.MAX_DURATION, p.closeCode());
    }

    @Test
    void aDetachedSessionEndsAsAbandonedWhenItsGraceEnds() throws Exception {
        SessionHarness h = harness("earshot.resume.grace-ms", "5000");
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.audio(1, 4);
        p.connection.closed("closed 1006");

        h.clock.advanceMs(5001);
        h.tick(s);

        assertTrue(s.isEnded());
        assertEquals(4, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }), "audio kept");
        assertTrue(h.store.manifest(s.id()).orElseThrow().ended());
        assertEquals("abandoned", h.store.manifest(s.id()).orElseThrow().endReason());
    }

    @Test
    void anEndedSessionIsForgottenWhenItsReplayWindowCloses() {
        SessionHarness h = harness("earshot.resume.grace-ms", "5000");
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.connection.onMessage(new ClientMessage.End());
        p.connection.closed("closed 1000");

        h.clock.advanceMs(5000);
        assertFalse(h.tick(s));
        h.clock.advanceMs(1);
        assertTrue(h.tick(s));
        assertEquals(SessionPhase.EXPIRED, s.phase());
    }

    // ---- ending -----------------------------------------------------------------------------------------

    @Test
    void endAcksEverythingSendsEndedWithTotalsAndClosesNormally() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.DISK, false));
        p.audio(1, 3);

        p.connection.onMessage(new ClientMessage.End());

        assertEquals(3, p.lastAck());
        ServerMessage.Ended ended = p.last(ServerMessage.Ended.class);
        assertEquals("client_end", ended.reason());
        assertEquals(3, ended.lastSeq());
        assertEquals(3 * 640, ended.bytes());
        assertEquals(60, ended.audioMs());
        assertEquals("complete", ended.transcription());
        assertEquals(CloseCodes.NORMAL, p.closeCode());
        assertTrue(s.isEnded());
    }

    @Test
    void audioAfterEndIsRefusedWithSessionEnded() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));
        p.connection.onMessage(new ClientMessage.End()); // ending: the fake engine has not drained

        p.audio(1, 1);

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("session_ended", e.code());
        assertEquals(1L, e.seq());
        assertEquals(SessionPhase.ENDING, s.phase());
    }

    @Test
    void aSecondEndAndAMarkAfterEndAreRefusedWithSessionEnded() {
        SessionHarness h = harness();
        Peer p = h.connect();
        h.start(p, h.settings(Durability.OS, true));
        p.connection.onMessage(new ClientMessage.End());

        p.connection.onMessage(new ClientMessage.End());
        p.connection.onMessage(new ClientMessage.Mark("late"));

        assertEquals(List.of("session_ended", "session_ended"), p.errorCodes());
    }

    @Test
    void endedFollowsTheLastTranscript() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));
        p.audio(1, 50);
        SessionHarness.FakeTranscription engine = h.transcriptions.get(0);

        p.connection.onMessage(new ClientMessage.End());
        assertTrue(engine.finished);
        assertNull(p.last(ServerMessage.Ended.class), "not before the transcription is done");

        engine.recognize("hello world", 100, 500);
        engine.listener.drained();

        List<SessionEvent> events = p.sent().stream().filter(SessionEvent.class::isInstance)
                .map(SessionEvent.class::cast).toList();
        ServerMessage.Transcript t = (ServerMessage.Transcript) events.get(0);
        assertEquals("hello world", t.text());
        assertEquals(6, t.firstSeq(), "100 ms is in the sixth 20 ms chunk");
        assertEquals(25, t.lastSeq());
        ServerMessage.Ended ended = (ServerMessage.Ended) events.get(1);
        assertEquals("complete", ended.transcription());
        assertEquals(2, ended.eventSeq());
        assertTrue(s.isEnded());
    }

    @Test
    void aTranscriptThatArrivesAfterAShutdownIsNeitherSentNorNumbered() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));
        p.audio(1, 50);
        SessionHarness.FakeTranscription engine = h.transcriptions.get(0);
        engine.recognize("before", 100, 300);

        s.shutdown();
        engine.recognize("after", 400, 600);
        engine.listener.notTranscribed(9_600, 16_000, "engine_failed");

        List<ServerMessage.Transcript> sent = p.sent().stream().filter(ServerMessage.Transcript.class::isInstance)
                .map(ServerMessage.Transcript.class::cast).toList();
        assertEquals(List.of("before"), sent.stream().map(ServerMessage.Transcript::text).toList(),
                "with the storage closed, nothing could be journaled: nothing goes out");
        assertTrue(engine.closed);
    }

    @Test
    void pastTheEndWaitEndedSaysHandedOffAndTheRestBecomesAJob() {
        SessionHarness h = harness("earshot.engine.end-wait-ms", "1000");
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));
        p.audio(1, 5);
        p.connection.onMessage(new ClientMessage.End());

        h.clock.advanceMs(1001);
        h.tick(s);

        ServerMessage.Ended ended = p.last(ServerMessage.Ended.class);
        assertEquals("handed_off", ended.transcription());
        assertEquals("j_1", ended.jobId());
        assertEquals(List.of(s.id() + ":5"), h.jobs.handedOff);
        assertTrue(h.transcriptions.get(0).closed);
    }

    @Test
    void endWithHandoffEndsAtOnceWithTheJobsId() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));
        p.audio(1, 7);

        p.connection.onMessage(new ClientMessage.End(true, null, null));

        ServerMessage.Ended ended = p.last(ServerMessage.Ended.class);
        assertEquals("handed_off", ended.transcription());
        assertEquals("j_1", ended.jobId());
        assertEquals(List.of(s.id() + ":7"), h.jobs.handedOff);
        assertEquals(CloseCodes.NORMAL, p.closeCode());
    }

    @Test
    void aRefusedHandoffEndsIncompleteWithoutAJob() {
        SessionHarness h = harness();
        h.jobs.refuse = true;
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));

        p.connection.onMessage(new ClientMessage.End(true, null, null));

        ServerMessage.Ended ended = p.last(ServerMessage.Ended.class);
        assertEquals("incomplete", ended.transcription());
        assertNull(ended.jobId());
        assertTrue(s.isEnded());
    }

    @Test
    void handOffByRequestEndsALiveSessionAndAWaitingTailJob() throws Exception {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.OS, true));
        p.audio(1, 4);

        assertEquals("j_1", s.handOff("handed_off", true, true, true).id());
        assertEquals("j_1", s.handOff("handed_off", true, true, true).id(), "a session has one job");

        assertEquals(List.of(s.id() + ":4:tail"), h.jobs.handedOff);
        assertEquals("handed_off", p.last(ServerMessage.Ended.class).reason());
        assertEquals(1, p.all(ServerMessage.Ended.class).size());
    }

    // ---- resume and takeover ----------------------------------------------------------------------------

    @Test
    void resumeStartsFromTheLastAckedSeqAndStoresNothingTwice() throws Exception {
        SessionHarness h = harness();
        Peer first = h.connect();
        StreamSession s = h.start(first);
        first.audio(1, 5);
        first.connection.closed("closed 1006");

        Peer second = h.resume(s, 0);
        ServerMessage.Started started = (ServerMessage.Started) second.sent().get(0);
        assertTrue(started.resumed());
        assertEquals(5, started.lastAckedSeq());
        assertEquals(2, started.attempt());
        assertNull(started.resumeToken(), "the token is sent once");

        second.audio(4, 4); // the client resends from before the last ack: 4..5 again, 6..7 new
        assertEquals(7, second.lastAck());
        assertEquals(7, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
    }

    @Test
    void eventsMissedWhileDisconnectedAreReplayedExactlyOnce() throws Exception {
        SessionHarness h = harness();
        Peer first = h.connect();
        StreamSession s = h.start(first);
        first.connection.onMessage(new ClientMessage.Mark("seen"));
        first.connection.closed("closed 1006");
        s.handOff("handed_off", false, false, false); // an event (ended) while nobody is attached

        Peer second = h.resume(s, 1);

        List<SessionEvent> replayed = second.sent().stream().filter(SessionEvent.class::isInstance)
                .map(SessionEvent.class::cast).toList();
        assertEquals(List.of(2L), replayed.stream().map(SessionEvent::eventSeq).toList());
        assertEquals(1, second.all(ServerMessage.Ended.class).size());
    }

    @Test
    void eventsOlderThanTheBufferAreReportedAsUnavailableOnResume() {
        SessionHarness h = harness("earshot.resume.event-buffer", "2");
        Peer first = h.connect();
        StreamSession s = h.start(first);
        for (int i = 1; i <= 5; i++) {
            first.connection.onMessage(new ClientMessage.Mark("m" + i));
        }
        first.connection.closed("closed 1006");

        Peer second = h.resume(s, 1);

        ServerMessage.Started started = (ServerMessage.Started) second.sent().get(0);
        assertEquals(new ServerMessage.EventRange(2, 3), started.eventsUnavailable());
        assertEquals(List.of(4L, 5L), second.all(ServerMessage.MarkReached.class).stream()
                .map(ServerMessage.MarkReached::eventSeq).toList());
    }

    @Test
    void resumeOnASecondConnectionClosesTheFirstWith4003() {
        SessionHarness h = harness();
        Peer first = h.connect();
        StreamSession s = h.start(first);

        Peer second = h.resume(s, 0);

        assertEquals(List.of("session_taken_over"), first.errorCodes());
        assertEquals(CloseCodes.TAKEN_OVER, first.closeCode());
        assertTrue(((ServerMessage.Started) second.sent().get(0)).resumed());
        assertNull(second.closeCode());
    }

    @Test
    void aResumeNeedsTheSessionsTokenAndTheIdentityThatStartedIt() {
        SessionHarness h = harness();
        StreamSession s = h.start(h.connect());

        assertTrue(s.admits("token-" + s.id(), "alice"));
        assertFalse(s.admits("wrong-token", "alice"));
        assertFalse(s.admits("token-" + s.id(), "mallory"));
        assertFalse(s.admits(null, "alice"));
    }

    @Test
    void aTakenOverConnectionIsNoLongerHeard() throws Exception {
        SessionHarness h = harness();
        Peer first = h.connect();
        StreamSession s = h.start(first);
        h.resume(s, 0);

        first.audio(1, 2);
        first.connection.onMessage(new ClientMessage.End());

        assertFalse(s.isEnded());
        assertEquals(0, h.store.readChunks(s.id(), Long.MAX_VALUE, (seq, data, n) -> { }));
    }

    @Test
    void resumingAnEndedSessionReplaysEndedAndClosesNormally() {
        SessionHarness h = harness();
        Peer first = h.connect();
        StreamSession s = h.start(first);
        first.audio(1, 2);
        first.connection.onMessage(new ClientMessage.End());
        first.connection.closed("closed 1000");

        Peer second = h.resume(s, 0);

        ServerMessage.Started started = (ServerMessage.Started) second.sent().get(0);
        assertEquals("ended", started.state());
        assertEquals(2, second.last(ServerMessage.Ended.class).lastSeq());
        assertEquals(CloseCodes.NORMAL, second.closeCode());
    }

    @Test
    void goingAwayAcksEverythingAndGivesWhatAResumeNeeds() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, h.settings(Durability.DISK, false));
        p.audio(1, 3);

        s.goingAway(5000, "/v1/sessions/x/job");

        assertEquals(3, p.lastAck());
        ServerMessage.GoingAway away = p.last(ServerMessage.GoingAway.class);
        assertEquals("token-" + s.id(), away.resumeToken());
        assertEquals(3, away.lastSeq());
        assertEquals(CloseCodes.GOING_AWAY, p.closeCode());
    }

    // ---- failures ---------------------------------------------------------------------------------------

    @Test
    void anUndecodableChunkGetsBadAudioIsStoredAndTheSessionGoesOn() throws Exception {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p, new SessionSettings(io.earshot.audio.AudioCodec.OPUS, 48_000, 1, Durability.OS,
                SessionSettings.FEATURES, h.config.maxSessionDurationMs, h.config.idleTimeoutMs,
                h.config.resumeGraceMs, h.config.heartbeatIntervalMs, false));

        p.connection.onAudio(SessionHarness.frame(1, new byte[] {0x03, 0x00})); // a code-3 packet of no frames

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("bad_audio", e.code());
        assertEquals(1L, e.seq());
        assertFalse(e.fatal());
        assertEquals(1, p.lastAck(), "stored as received");
        p.connection.onMessage(new ClientMessage.End());
        assertEquals(1, p.last(ServerMessage.Ended.class).badAudioChunks());
    }

    @Test
    void aFailedAppendClosesWithStorageFailedAndTheSessionWaitsForAResume() throws Exception {
        SessionHarness h = harness();
        io.earshot.spool.SessionStorage real = h.store.create("s_failing");
        boolean[] fail = {false};
        io.earshot.spool.SessionStorage failing = new io.earshot.spool.SessionStorage() {
            @Override
            public void append(io.earshot.protocol.AudioFrame frame, int from) throws java.io.IOException {
                if (fail[0]) {
                    throw new java.io.IOException("disk full (test)");
                }
                real.append(frame, from);
            }

            @Override
            public long force() throws java.io.IOException {
                return real.force();
            }

            @Override
            public void journal(SessionEvent event) throws java.io.IOException {
                real.journal(event);
            }

            @Override
            public void writeManifest(io.earshot.spool.SessionManifest manifest) throws java.io.IOException {
                real.writeManifest(manifest);
            }

            @Override
            public long chunks() {
                return real.chunks();
            }

            @Override
            public long bytes() {
                return real.bytes();
            }

            @Override
            public void close() throws java.io.IOException {
                real.close();
            }
        };
        StreamSession s = new StreamSession("s_failing", "t", "client-1", "alice", h.settings(Durability.OS, false),
                failing, h.services, null);
        Peer p = h.connect();
        p.connection.attach(s);
        s.attachFirst(p.connection);
        p.audio(1, 2);
        fail[0] = true;

        p.audio(3, 1);

        ServerMessage.Error e = p.last(ServerMessage.Error.class);
        assertEquals("storage_failed", e.code());
        assertEquals(2L, e.lastAckedSeq());
        assertEquals(2, p.lastAck());
        assertNotNull(p.closeCode());
        assertFalse(s.isAttached());
        assertFalse(s.isEnded());
    }

    @Test
    void aFailedForceOnAnIdleSessionLeavesItWaitingForAResumeNotEndedAsIdle() throws Exception {
        SessionHarness h = harness("earshot.limits.idle-timeout-ms", "1000", "earshot.spool.force-interval-ms", "50");
        io.earshot.spool.SessionStorage real = h.store.create("s_noforce");
        boolean[] fail = {false};
        io.earshot.spool.SessionStorage failing = new io.earshot.spool.SessionStorage() {
            @Override
            public void append(io.earshot.protocol.AudioFrame frame, int from) throws java.io.IOException {
                real.append(frame, from);
            }

            @Override
            public long force() throws java.io.IOException {
                if (fail[0]) {
                    throw new java.io.IOException("device gone (test)");
                }
                return real.force();
            }

            @Override
            public void journal(SessionEvent event) throws java.io.IOException {
                real.journal(event);
            }

            @Override
            public void writeManifest(io.earshot.spool.SessionManifest manifest) throws java.io.IOException {
                real.writeManifest(manifest);
            }

            @Override
            public long chunks() {
                return real.chunks();
            }

            @Override
            public long bytes() {
                return real.bytes();
            }

            @Override
            public void close() throws java.io.IOException {
                real.close();
            }
        };
        StreamSession s = new StreamSession("s_noforce", "t", "client-1", "alice", h.settings(Durability.DISK, false),
                failing, h.services, null);
        Peer p = h.connect();
        p.connection.attach(s);
        s.attachFirst(p.connection);
        p.audio(1, 1);
        fail[0] = true;

        h.clock.advanceMs(1001); // idle, and a flush due: the flush fails first
        h.tick(s);

        assertEquals(List.of("storage_failed"), p.errorCodes());
        assertFalse(s.isAttached());
        assertFalse(s.isEnded(), "the client was told to resume later, not ended as idle");
        assertNull(p.last(ServerMessage.Ended.class));
    }

    @Test
    void aSessionWhoseFirstAttachFailsIsDiscardedWithItsTranscriber() throws Exception {
        // What SessionRegistry.start does when attachFirst throws: the session is discarded, transcriber included.
        SessionHarness h = harness();
        io.earshot.spool.SessionStorage real = h.store.create("s_nomanifest");
        boolean[] closed = {false};
        io.earshot.spool.SessionStorage failing = new io.earshot.spool.SessionStorage() {
            @Override
            public void append(io.earshot.protocol.AudioFrame frame, int from) throws java.io.IOException {
                real.append(frame, from);
            }

            @Override
            public long force() throws java.io.IOException {
                return real.force();
            }

            @Override
            public void journal(SessionEvent event) throws java.io.IOException {
                real.journal(event);
            }

            @Override
            public void writeManifest(io.earshot.spool.SessionManifest manifest) throws java.io.IOException {
                throw new java.io.IOException("read-only (test)");
            }

            @Override
            public long chunks() {
                return real.chunks();
            }

            @Override
            public long bytes() {
                return real.bytes();
            }

            @Override
            public void close() throws java.io.IOException {
                closed[0] = true;
                real.close();
            }
        };
        StreamSession s = new StreamSession("s_nomanifest", "t", "client-1", "alice", h.settings(Durability.OS, true),
                failing, h.services, null);
        Peer p = h.connect();
        p.connection.attach(s);
        assertTrue(assertThrowsIo(() -> s.attachFirst(p.connection)));

        s.discard();

        assertTrue(h.transcriptions.get(0).closed, "the transcriber opened with the session is closed");
        assertTrue(closed[0], "and its storage");
    }

    private interface IoAction {
        void run() throws java.io.IOException;
    }

    private static boolean assertThrowsIo(IoAction action) {
        try {
            action.run();
            return false;
        } catch (java.io.IOException expected) {
            return true;
        }
    }

    @Test
    void aClientThatDoesNotReadIsCutOffAsASlowConsumerAndItsSessionWaits() {
        SessionHarness h = harness("earshot.outbound.max-queued", "16");
        Peer p = h.connect();
        StreamSession s = h.start(p); // the writer is not run: nothing leaves the queue

        for (int i = 0; i < 20; i++) {
            p.connection.onMessage(new ClientMessage.Mark("m" + i));
        }

        assertFalse(s.isAttached());
        assertEquals(CloseCodes.SLOW_CONSUMER, p.closeCode());
        assertFalse(s.isEnded());
    }

    // ---- no I/O under the lock --------------------------------------------------------------------------

    @Test
    void framesAndClosesAreWrittenOutsideTheSessionLock() {
        SessionHarness h = harness();
        Peer p = h.connect();
        StreamSession s = h.start(p);
        p.audio(1, 2);
        p.connection.onMessage(new ClientMessage.Mark("m"));
        p.connection.onMessage(new ClientMessage.End());

        assertEquals(CloseCodes.NORMAL, p.closeCode());
        assertTrue(p.sent().size() >= 4);
        assertFalse(p.transport.wroteUnderLock);
        assertTrue(s.isEnded());
    }
}
