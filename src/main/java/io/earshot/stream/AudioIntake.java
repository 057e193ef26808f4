package io.earshot.stream;

import io.earshot.audio.BadAudioException;
import io.earshot.audio.DecodedLength;
import io.earshot.audio.PacketDecoder;
import io.earshot.protocol.AudioFrame;

/**
 * A session's stored chunks on their way to the transcriber: decoded in order to the engine's format, each tied to
 * its place in the {@link ChunkTimeline}; a chunk that does not decode is counted and the stream goes on. Not
 * thread-safe: the owning {@link StreamSession}'s lock guards it.
 */
final class AudioIntake {

    /** Told of a chunk that did not decode. */
    interface BadChunk {
        void report(long seq, int length, String why);
    }

    private final SessionSettings settings;
    private final PacketDecoder decoder;
    private final ChunkTimeline timeline = new ChunkTimeline();
    /** One chunk's bytes, reused; session lock. */
    private byte[] scratch = new byte[0];
    /** Decoded samples so far, from the session's first sample; session lock. */
    private long decodedSamples;
    /** Chunks that did not decode, restored ones included; session lock. */
    private long badChunks;
    /**
     * For a session restored after a restart: the samples (and microseconds) of the audio before the chunk its
     * transcriber started at, so that transcript times stay those of the whole session. 0 otherwise. Session lock.
     */
    private long baseSamples;
    /** The same in microseconds, for {@code ended.audio_ms}; session lock. */
    private long baseMicros;

    AudioIntake(SessionSettings settings, Transcription transcriber, long badChunks) {
        this.settings = settings;
        this.badChunks = badChunks;
        this.decoder = settings.codec().newDecoder(settings.sampleRate(), settings.channels(),
                (samples, offset, length) -> {
                    decodedSamples += length;
                    transcriber.accept(samples, offset, length);
                });
    }

    /** The first chunk from {@code from} that does not hold whole samples, or -1: the frame is then refused. */
    int firstPartialChunk(AudioFrame frame, int from) {
        int frameBytes = settings.frameBytes();
        for (int i = from; i < frame.count(); i++) {
            if (frame.lengths()[i] % frameBytes != 0) {
                return i;
            }
        }
        return -1;
    }

    /** The audio seconds in the frame's chunks from {@code from}, as the decoder will count them. */
    double seconds(AudioFrame frame, int from) {
        DecodedLength length = new DecodedLength(settings.codec(), settings.sampleRate(), settings.channels());
        for (int i = from; i < frame.count(); i++) {
            int n = copy(frame, i);
            length.add(scratch, 0, n);
        }
        return length.micros() / 1e6;
    }

    /** Decodes the chunks {@code from..} of a stored frame. */
    void decode(AudioFrame frame, int from, BadChunk onBad) {
        for (int i = from; i < frame.count(); i++) {
            int n = copy(frame, i);
            decode(frame.firstSeq() + i, scratch, n, onBad);
        }
    }

    void decode(long seq, byte[] data, int length, BadChunk onBad) {
        try {
            decoder.decode(data, 0, length);
        } catch (BadAudioException e) {
            badChunks++;
            onBad.report(seq, length, e.getMessage());
        }
        timeline.decoded(seq, decodedSamples);
    }

    /** A restored session goes on after {@code samples} (and {@code micros}) of audio it does not decode again. */
    void startAfter(long samples, long micros) {
        baseSamples = samples;
        baseMicros = micros;
        decodedSamples = samples;
    }

    /** The chunk holding session sample {@code sample}. */
    long seqAt(long sample, long newestStored) {
        return timeline.seqAt(sample, newestStored);
    }

    /** The transcriber is done with its first {@code samples}: their chunks need not be remembered. */
    void transcribedThrough(long samples) {
        timeline.forgetBefore(baseSamples + samples);
    }

    /** Samples before this server's transcriber started: results are shifted by them. */
    long baseSamples() {
        return baseSamples;
    }

    long audioMs() {
        return (baseMicros + decoder.decodedMicros()) / 1000;
    }

    long badChunks() {
        return badChunks;
    }

    void finish() {
        decoder.finish();
    }

    private int copy(AudioFrame frame, int i) {
        int n = frame.lengths()[i];
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, 2 * scratch.length)];
        }
        frame.payload(i).get(scratch, 0, n);
        return n;
    }
}
