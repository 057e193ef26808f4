package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.earshot.protocol.AudioFrame;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Chunk numbering: consecutive from 1; a frame wholly stored is a duplicate; a frame overlapping the stored
 * prefix is accepted from the first new chunk; a gap is refused with the expected number; and a frame may not
 * reach more than {@code window} chunks past the last ack issued.
 */
class SequenceTrackerTest {

    @Test
    void firstFrameOfANewSessionStartsAtOne() {
        SequenceTracker tracker = new SequenceTracker(16, 0);

        assertEquals(new SequenceTracker.Accept(0), tracker.check(frame(1, 3)));
    }

    @Test
    void nextConsecutiveFrameIsAcceptedWhole() {
        SequenceTracker tracker = storedAndAcked(16, 3);

        assertEquals(new SequenceTracker.Accept(0), tracker.check(frame(4, 2)));
    }

    @Test
    void frameWhollyStoredIsDuplicate() {
        SequenceTracker tracker = storedAndAcked(16, 5);

        assertEquals(new SequenceTracker.Duplicate(), tracker.check(frame(3, 3)));
    }

    @Test
    void frameEndingExactlyAtTheLastStoredChunkIsDuplicate() {
        SequenceTracker tracker = storedAndAcked(16, 5);

        assertEquals(new SequenceTracker.Duplicate(), tracker.check(frame(5, 1)));
    }

    @Test
    void frameOverlappingTheStoredPrefixIsAcceptedFromTheFirstNewChunk() {
        SequenceTracker tracker = storedAndAcked(16, 5);

        assertEquals(new SequenceTracker.Accept(3), tracker.check(frame(3, 5)));
    }

    @Test
    void gapInSequenceIsRejectedWithExpectedSeq() {
        SequenceTracker tracker = storedAndAcked(16, 5);

        assertEquals(new SequenceTracker.Gap(6), tracker.check(frame(7, 1)));
    }

    @Test
    void sessionNotStartingAtOneIsAGapExpectingOne() {
        SequenceTracker tracker = new SequenceTracker(16, 0);

        assertEquals(new SequenceTracker.Gap(1), tracker.check(frame(2, 1)));
    }

    @Test
    void resumedSessionContinuesAfterWhatWasAlreadyStored() {
        SequenceTracker tracker = new SequenceTracker(16, 100);

        assertEquals(new SequenceTracker.Accept(0), tracker.check(frame(101, 1)));
        assertEquals(new SequenceTracker.Duplicate(), tracker.check(frame(100, 1)));
        assertEquals(100, tracker.acked());
    }

    @Test
    void frameEndingExactlyAtWindowPastTheLastAckIsAccepted() {
        SequenceTracker tracker = storedAndAcked(4, 10);

        assertEquals(new SequenceTracker.Accept(0), tracker.check(frame(11, 4)));
    }

    @Test
    void frameReachingPastTheWindowIsRejectedWithLastAckAndWindow() {
        SequenceTracker tracker = storedAndAcked(4, 10);

        assertEquals(new SequenceTracker.BeyondWindow(10, 4), tracker.check(frame(11, 5)));
    }

    @Test
    void windowIsCountedFromTheLastAckIssuedNotTheLastChunkStored() {
        SequenceTracker tracker = new SequenceTracker(4, 0);
        tracker.stored(3);
        tracker.acked(1);

        assertEquals(new SequenceTracker.Accept(0), tracker.check(frame(4, 2)));
        assertEquals(new SequenceTracker.BeyondWindow(1, 4), tracker.check(frame(4, 3)));
    }

    @Test
    void overlappingFrameIsStillSubjectToTheWindow() {
        SequenceTracker tracker = storedAndAcked(4, 10);

        assertEquals(new SequenceTracker.BeyondWindow(10, 4), tracker.check(frame(9, 8)));
    }

    @Test
    void gapIsReportedEvenWhenTheFrameIsAlsoBeyondTheWindow() {
        SequenceTracker tracker = storedAndAcked(4, 10);

        assertEquals(new SequenceTracker.Gap(11), tracker.check(frame(20, 1)));
    }

    @Test
    void duplicateIsReportedRegardlessOfTheWindow() {
        SequenceTracker tracker = new SequenceTracker(1, 0);
        tracker.stored(50);

        assertEquals(new SequenceTracker.Duplicate(), tracker.check(frame(1, 50)));
    }

    @Test
    void unackedCountsChunksStoredButNotYetAcknowledged() {
        SequenceTracker tracker = new SequenceTracker(16, 0);
        assertEquals(0, tracker.unacked());

        tracker.stored(7);
        assertEquals(7, tracker.unacked());

        tracker.acked(5);
        assertEquals(2, tracker.unacked());

        tracker.acked(7);
        assertEquals(0, tracker.unacked());
    }

    @Test
    void alreadyStoredChunksCountAsAcked() {
        SequenceTracker tracker = new SequenceTracker(16, 42);

        assertEquals(42, tracker.stored());
        assertEquals(42, tracker.acked());
        assertEquals(0, tracker.unacked());
        assertEquals(16, tracker.window());
    }

    private static SequenceTracker storedAndAcked(int window, long seq) {
        SequenceTracker tracker = new SequenceTracker(window, 0);
        tracker.stored(seq);
        tracker.acked(seq);
        return tracker;
    }

    private static AudioFrame frame(long firstSeq, int count) {
        byte[][] payloads = new byte[count][];
        Arrays.fill(payloads, new byte[] {0, 0});
        try {
            return AudioFrame.parse(AudioFrame.encode(firstSeq, payloads));
        } catch (AudioFrame.FrameFormatException e) {
            throw new AssertionError(e);
        }
    }
}
