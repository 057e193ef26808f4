package io.earshot.stream;

import java.util.ArrayDeque;

/**
 * Ties decoded audio back to the chunks it came from: for each stored chunk not yet behind the transcription,
 * its sequence number and the decoded sample count after it, so a transcript can name its first and last chunk.
 * Not thread-safe: the owning {@link StreamSession}'s lock guards it.
 */
final class ChunkTimeline {

    /** {seq, decoded samples after it}, oldest first; session lock. */
    private final ArrayDeque<long[]> ends = new ArrayDeque<>();

    void decoded(long seq, long samplesAfter) {
        ends.addLast(new long[] {seq, samplesAfter});
    }

    /** The chunk whose decoded audio holds {@code sample}; {@code newest} when no chunk is known. */
    long seqAt(long sample, long newest) {
        for (long[] c : ends) {
            if (c[1] > sample) {
                return c[0];
            }
        }
        return ends.isEmpty() ? newest : ends.peekLast()[0];
    }

    /** Forgets the chunks wholly before {@code sample}: no later transcript can start in them. The last stays. */
    void forgetBefore(long sample) {
        while (ends.size() > 1 && ends.peekFirst()[1] <= sample) {
            ends.removeFirst();
        }
    }
}
