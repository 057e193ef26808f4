package io.earshot.stream;

import io.earshot.engine.Recognition;
import io.earshot.transcription.LiveTranscriber;
import java.util.List;

/** What a session needs of its live transcriber: decoded audio in, lag and progress out. Called under its lock. */
interface Transcription {

    /** Opens the transcription of one session; results go to {@code listener} on an engine thread. */
    interface Factory {
        Transcription open(Listener listener);
    }

    /** Where results go: {@link LiveTranscriber.Listener}'s calls, on an engine thread. */
    interface Listener {
        void recognized(List<Recognition> recognitions);

        void notTranscribed(long fromSample, long toSample, String reason);

        void drained();
    }

    /** 16 kHz mono samples, in stream order. */
    void accept(short[] samples, int offset, int length);

    /** No more audio: {@link Listener#drained()} follows once everything handed over is done. */
    void finish();

    void close();

    /** Samples handed over but not yet transcribed. */
    long lagSamples();

    /** Samples from the start of this transcriber that every later result starts after. */
    long transcribedThrough();

    /** For a session that asked not to be transcribed, or ended: takes audio, transcribes none, always drained. */
    static Transcription storeOnly(Listener listener) {
        return of(LiveTranscriber.storeOnly(engineListener(listener)));
    }

    /** A transcriber over the engine's {@link LiveTranscriber}. */
    static Transcription of(LiveTranscriber t) {
        return new Transcription() {
            @Override
            public void accept(short[] samples, int offset, int length) {
                t.accept(samples, offset, length);
            }

            @Override
            public void finish() {
                t.finish();
            }

            @Override
            public void close() {
                t.close();
            }

            @Override
            public long lagSamples() {
                return t.lagSamples();
            }

            @Override
            public long transcribedThrough() {
                return t.transcribedThrough();
            }
        };
    }

    /** The engine's listener interface over ours. */
    static LiveTranscriber.Listener engineListener(Listener l) {
        return new LiveTranscriber.Listener() {
            @Override
            public void recognized(long startSample, long endSample, List<Recognition> recognitions) {
                l.recognized(recognitions);
            }

            @Override
            public void notTranscribed(long startSample, long endSample, String reason) {
                l.notTranscribed(startSample, endSample, reason);
            }

            @Override
            public void drained() {
                l.drained();
            }
        };
    }
}
