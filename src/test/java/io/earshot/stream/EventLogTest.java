package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.protocol.ServerMessage;
import io.earshot.protocol.ServerMessage.SessionEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A session's events are numbered from 1 and the newest {@code capacity} are kept for replay. */
class EventLogTest {

    @Test
    void firstEventIsNumberedOne() {
        EventLog log = new EventLog(10);

        SessionEvent event = log.append(EventLogTest::mark);

        assertEquals(1, event.eventSeq());
        assertEquals(1, log.lastSeq());
    }

    @Test
    void eventsAreNumberedConsecutively() {
        EventLog log = new EventLog(10);

        List<Long> seqs = List.of(log.append(EventLogTest::mark).eventSeq(), log.append(EventLogTest::mark).eventSeq(),
                log.append(EventLogTest::mark).eventSeq());

        assertEquals(List.of(1L, 2L, 3L), seqs);
    }

    @Test
    void appendReturnsTheEventTheFactoryMade() {
        EventLog log = new EventLog(10);
        ServerMessage.Ended ended = new ServerMessage.Ended(1, "client_end", 9, 9, 90, 3, 0, "complete");

        assertSame(ended, log.append(seq -> ended));
    }

    @Test
    void emptyLogHasLastSeqZeroAndNothingAfterIt() {
        EventLog log = new EventLog(10);

        assertEquals(0, log.lastSeq());
        assertTrue(log.after(0).isEmpty());
    }

    @Test
    void afterReturnsEventsNumberedAboveSeqOldestFirst() {
        EventLog log = logWith(5, 10);

        assertEquals(List.of(3L, 4L, 5L), seqs(log.after(2)));
    }

    @Test
    void afterTheLastSeqIsEmpty() {
        EventLog log = logWith(5, 10);

        assertTrue(log.after(5).isEmpty());
        assertTrue(log.after(99).isEmpty());
    }

    @Test
    void afterZeroReturnsEverythingKept() {
        EventLog log = logWith(3, 10);

        assertEquals(List.of(1L, 2L, 3L), seqs(log.after(0)));
    }

    @Test
    void oldestEventIsDroppedOnceCapacityIsReached() {
        EventLog log = logWith(7, 3);

        assertEquals(List.of(5L, 6L, 7L), seqs(log.after(0)));
        assertEquals(7, log.lastSeq());
    }

    @Test
    void numberingContinuesAcrossEviction() {
        EventLog log = logWith(4, 2);

        assertEquals(5, log.append(EventLogTest::mark).eventSeq());
    }

    @Test
    void firstKeptSeqIsTheOldestEventStillKept() {
        EventLog log = logWith(7, 3);

        assertEquals(5, log.firstKeptSeq());
    }

    @Test
    void firstKeptSeqIsOneWhileNothingWasDropped() {
        EventLog log = logWith(3, 3);

        assertEquals(1, log.firstKeptSeq());
    }

    @Test
    void firstKeptSeqOfAnEmptyLogIsTheNextNumber() {
        assertEquals(1, new EventLog(3).firstKeptSeq());
    }

    @Test
    void eventsBetweenASeenSeqAndFirstKeptSeqAreTheOnesLost() {
        EventLog log = logWith(10, 4);
        long seen = 2;

        long firstKept = log.firstKeptSeq();

        assertEquals(7, firstKept); // events 3..6 are lost to a client that saw 2
        assertEquals(List.of(7L, 8L, 9L, 10L), seqs(log.after(seen)));
    }

    private static EventLog logWith(int events, int capacity) {
        EventLog log = new EventLog(capacity);
        for (int i = 0; i < events; i++) {
            log.append(EventLogTest::mark);
        }
        return log;
    }

    private static SessionEvent mark(long eventSeq) {
        return new ServerMessage.MarkReached(eventSeq, "m" + eventSeq, eventSeq * 10);
    }

    private static List<Long> seqs(List<SessionEvent> events) {
        return events.stream().map(SessionEvent::eventSeq).toList();
    }
}
