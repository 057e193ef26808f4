package io.earshot.engine;

/**
 * A stretch of audio spoken by one speaker.
 *
 * @param speaker a label, the same for the same voice within one diarization ({@code S1}, {@code S2}, ...)
 * @param startMs start, milliseconds from the first sample given to the engine
 * @param endMs   end, likewise
 */
public record SpeakerTurn(String speaker, long startMs, long endMs) {
}
