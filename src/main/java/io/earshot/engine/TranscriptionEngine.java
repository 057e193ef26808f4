package io.earshot.engine;

import java.util.List;

/**
 * A speech recognizer Earshot can run: it turns a segment of speech, 16 kHz mono signed 16-bit PCM, into
 * recognitions. Earshot does the rest around it: decoding and resampling every codec to that format, cutting
 * a live stream into utterances ({@link Segmenter}), scheduling segments fairly across sessions on a bounded
 * number of threads, tying results to the audio they came from, and guarding the engine with a circuit
 * breaker. So an engine only recognizes; it never sees a connection, a sequence number or a codec.
 *
 * <p>Earshot picks the engine named by {@code earshot.engine}: {@code sphinx4} (the default, embedded) or the
 * fully qualified name of a class that implements this interface and has a public constructor taking an
 * {@link io.earshot.config.EarshotConfig} or none. Such a class can wrap Vosk, a remote service or anything else;
 * put its jar next to Earshot's (in the WAR's {@code WEB-INF/lib} or the server's library directory).
 *
 * <p>Implementations must be thread-safe: {@link #recognize} is called from up to
 * {@code earshot.engine.threads} threads at once, never more.
 */
public interface TranscriptionEngine extends AutoCloseable {

    /** A short name for logs and {@code /v1/status}, such as {@code sphinx4}. */
    String name();

    /**
     * Loads models and anything else slow. Called once, before any recognition, on a background thread;
     * until it returns the engine is not ready and sessions are told so.
     */
    void start() throws EngineException;

    /**
     * Recognizes one segment. Times in the result are milliseconds from the segment's first sample.
     *
     * @param samples 16 kHz mono signed 16-bit samples
     * @return the segment's recognitions in order: none for a segment without speech, several when the
     *         engine finds pauses inside it
     * @throws EngineException when the engine fails; the segment's audio is still stored, and the failure
     *                         counts towards opening the circuit breaker
     */
    List<Recognition> recognize(short[] samples, int offset, int length) throws EngineException;

    /**
     * Word timings for a transcript already known (forced alignment), for batch work: the words of
     * {@code transcript} placed in the audio, with refined start and end times. Words the engine cannot
     * place are left out. The default engine aligns; an engine that cannot says so with an exception.
     *
     * @throws EngineException when the engine fails or cannot align
     */
    default List<Recognition.Word> align(short[] samples, int offset, int length, String transcript)
            throws EngineException {
        throw new EngineException(name() + " does not align transcripts");
    }

    /**
     * Who speaks when, for batch work: the audio cut into turns, each with a speaker label that is the same for
     * the same voice throughout the call ({@code S1}, {@code S2}, ... in order of first appearance). Labels do not
     * carry across calls.
     *
     * @throws EngineException when the engine fails or cannot tell speakers apart
     */
    default List<SpeakerTurn> diarize(short[] samples, int offset, int length) throws EngineException {
        throw new EngineException(name() + " does not tell speakers apart");
    }

    /** Frees what {@link #start} loaded. */
    @Override
    void close();
}
