package io.earshot.transcription;

import io.earshot.audio.EngineFormat;
import io.earshot.audio.PcmSink;
import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import io.earshot.engine.TranscriptionEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Transcribes a whole recording, for batch work: hand it every sample (it is a {@link PcmSink}, so a file
 * reader can feed it as it decodes), then {@link #finish}. The audio is cut into utterances by the same
 * {@link Segmenter} as live streams and each utterance is recognized as soon as it is complete, on the
 * calling thread, so memory stays at one utterance whatever the recording's length. Times in the results
 * are milliseconds from the recording's first sample.
 */
public final class BatchTranscriber implements PcmSink {

    private final TranscriptionEngine engine;
    private final Segmenter segmenter;
    private final List<Recognition> results = new ArrayList<>();
    private EngineException failure;

    public BatchTranscriber(TranscriptionEngine engine) {
        this(engine, Segmenter.Settings.defaults());
    }

    public BatchTranscriber(TranscriptionEngine engine, Segmenter.Settings settings) {
        this.engine = engine;
        this.segmenter = new Segmenter(settings, this::utterance);
    }

    @Override
    public void accept(short[] samples, int offset, int length) {
        segmenter.accept(samples, offset, length);
    }

    /** Recognizes what is left and returns every recognition, in order; the first engine failure, if any, is thrown. */
    public List<Recognition> finish() throws EngineException {
        segmenter.finish();
        if (failure != null) {
            throw failure;
        }
        return List.copyOf(results);
    }

    private void utterance(long startSample, short[] samples, int length) {
        if (failure != null) {
            return;
        }
        try {
            long offsetMs = startSample * 1000 / EngineFormat.SAMPLE_RATE;
            for (Recognition r : engine.recognize(Arrays.copyOf(samples, length), 0, length)) {
                results.add(r.shifted(offsetMs));
            }
        } catch (EngineException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new EngineException("engine " + engine.name() + " failed: " + e, e);
        }
    }
}
