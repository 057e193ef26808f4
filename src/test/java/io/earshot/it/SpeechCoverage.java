package io.earshot.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.it.engine.EnergyEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * How much of a recording's speech some transcripts cover, on a server that runs the fast test engine: the share
 * of the recording's voiced 20 ms frames ({@link EnergyEngine#voicedFrames}) that lie within a transcript's (or a
 * job segment's) {@code start_ms}..{@code end_ms}. The tests that use it check that the whole recording was
 * transcribed through a restart or a thousand cuts, not what was recognized (TranscriptionIT does that).
 */
final class SpeechCoverage {

    /** Slack at both ends of a stretch: the engine's frames start at its segment's first sample. */
    private static final long SLACK_MS = 40;

    private SpeechCoverage() {
    }

    /** The covered share (0 to 1) of the voiced frames of 16 kHz mono 16-bit little-endian PCM. */
    static double of(byte[] pcm, List<JsonNode> stretches) {
        short[] samples = new short[pcm.length / 2];
        ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        boolean[] voiced = EnergyEngine.voicedFrames(samples);
        int total = 0;
        int covered = 0;
        for (int f = 0; f < voiced.length; f++) {
            if (!voiced[f]) {
                continue;
            }
            total++;
            long from = f * 20L;
            long to = from + 20;
            if (stretches.stream().anyMatch(s -> s.path("start_ms").asLong() - SLACK_MS <= from
                    && to <= s.path("end_ms").asLong() + SLACK_MS)) {
                covered++;
            }
        }
        return total == 0 ? 1 : (double) covered / total;
    }
}
