package io.earshot.jobs;

import io.earshot.audio.AudioCodec;
import io.earshot.audio.BadAudioException;
import io.earshot.audio.EngineFormat;
import io.earshot.audio.PacketDecoder;
import io.earshot.audio.PcmSink;
import io.earshot.audio.file.AudioFileException;
import io.earshot.audio.file.AudioFileInfo;
import io.earshot.audio.file.AudioFiles;
import io.earshot.engine.EngineException;
import io.earshot.engine.Recognition;
import io.earshot.engine.SpeakerTurn;
import io.earshot.spool.SessionManifest;
import io.earshot.spool.SessionStore;
import io.earshot.spool.StoredChunks;
import io.earshot.transcription.EngineService;
import io.earshot.transcription.GuardedEngine;
import io.earshot.transcription.Segmenter;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The work of one job, on a worker of the jobs' executor: decode the audio to 16 kHz mono PCM in the job's store
 * and cut it into segments (as live streams are cut), recognize each segment in turn with the live sessions, then
 * refine word times (Aligning) and label speakers (Diarizing) if asked, and store the transcript. Progress goes
 * to the job's record after every segment. {@link #cancel} stops it at the next segment at the latest; the
 * segment the engine is recognizing then is finished by the engine but its result dropped.
 */
final class JobRunner implements JobQueue.Work {

    private static final Logger LOG = Logger.getLogger(JobRunner.class.getName());
    /** Audio either side of a recognition given to the aligner, so that its first and last words fit. */
    private static final long ALIGN_PAD_MS = 200;

    /** What the runner needs from the service. */
    interface Host {
        /** The worker took the job: Transcribing, one more attempt. Throws {@link CancellationException} if cancelled. */
        void started(String id);

        /** Records progress; throws {@link CancellationException} once the job is cancelled. */
        void progress(String id, Stage stage, int percent, String detail);

        void audio(String id, JobRecord.Audio audio);

        void complete(String id, Transcript transcript) throws IOException;

        void failed(String id, JobFailure failure);

        /** The engine went away mid-job: queue the job again, or fail it after its last attempt. */
        void engineLost(String id, String detail);

        void finished(String id);
    }

    /** The job failed for a reason the client should hear about. */
    static final class JobFailedException extends Exception {
        private static final long serialVersionUID = 1L;
        final transient JobFailure failure;

        JobFailedException(JobFailure failure) {
            super(failure.code(), null, false, false);
            this.failure = failure;
        }
    }

    private static final class EngineLostException extends Exception {
        private static final long serialVersionUID = 1L;

        EngineLostException(String detail) {
            super(detail, null, false, false);
        }
    }

    private record Piece(long startSample, int length) {
    }

    private final JobRecord job;
    private final JobStore store;
    private final EngineService engine;
    private final SessionStore sessions;
    private final long maxSamples;
    private final Host host;
    /** Set by {@link #cancel} on a request thread, read by the worker at every step. */
    private volatile boolean cancelled;
    /** The engine call the worker waits on, for {@link #cancel} to cut short; written by the worker only. */
    private volatile CompletableFuture<?> waiting;

    JobRunner(JobRecord job, JobStore store, EngineService engine, SessionStore sessions, long maxAudioMs, Host host) {
        this.job = job;
        this.store = store;
        this.engine = engine;
        this.sessions = sessions;
        this.maxSamples = maxAudioMs * EngineFormat.SAMPLE_RATE / 1000;
        this.host = host;
    }

    @Override
    public void cancel() {
        cancelled = true;
        CompletableFuture<?> w = waiting;
        if (w != null) {
            w.cancel(false);
        }
    }

    @Override
    public void run() {
        String id = job.id();
        try {
            check();
            host.started(id);
            List<Piece> pieces = decode();
            List<List<Recognition>> bySegment = transcribe(pieces);
            if (job.align()) {
                align(pieces, bySegment);
            }
            List<Recognition> all = new ArrayList<>();
            bySegment.forEach(all::addAll);
            if (job.diarize()) {
                all = diarize(all);
            }
            check();
            long samples;
            try (JobStore.PcmReader pcm = store.readPcm(id)) {
                samples = pcm.samples();
            }
            host.complete(id, Transcript.of(id, EngineFormat.millis(samples), all));
        } catch (CancellationException e) {
            LOG.fine(() -> "job " + id + " stopped: cancelled");
        } catch (JobFailedException e) {
            host.failed(id, e.failure);
        } catch (EngineLostException e) {
            host.engineLost(id, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.SEVERE, "Earshot job " + id + " failed on storage", e);
            host.failed(id, new JobFailure("storage_failed", "The server could not read or write the job's files.",
                    "storage error: " + e.getClass().getSimpleName(), true));
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "Earshot job " + id + " failed", e);
            host.failed(id, new JobFailure("internal_error", "The job failed on an unexpected server error.",
                    e.getClass().getSimpleName(), true));
        } finally {
            try {
                store.deletePcm(id);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove the decoded audio of job " + id, e);
            }
            host.finished(id);
        }
    }

    private void check() {
        if (cancelled || Thread.currentThread().isInterrupted()) {
            throw new CancellationException();
        }
    }

    // ---- decoding ----

    /** Decodes the job's audio into {@code audio.pcm} and returns its segments. */
    private List<Piece> decode() throws IOException, JobFailedException {
        host.progress(job.id(), Stage.TRANSCRIBING, 0, "decoding the audio");
        List<Piece> pieces = new ArrayList<>();
        Segmenter segmenter = new Segmenter(Segmenter.Settings.defaults(),
                (start, samples, length) -> pieces.add(new Piece(start, length)));
        try (JobStore.PcmWriter out = store.writePcm(job.id())) {
            PcmFile file = new PcmFile(out, segmenter);
            JobRecord.Audio audio = "session".equals(job.source()) ? decodeSession(file) : decodeUpload(file);
            segmenter.finish();
            host.audio(job.id(), audio);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (TooLong e) {
            throw new JobFailedException(new JobFailure("audio_too_long", "The recording is longer than this "
                    + "server transcribes in one job.", "longer than earshot.jobs.max-audio-ms ("
                    + EngineFormat.millis(maxSamples) + " ms)", false));
        }
        return pieces;
    }

    private JobRecord.Audio decodeUpload(PcmSink sink) throws IOException, JobFailedException {
        try (InputStream in = new BufferedInputStream(store.readUpload(job.id()), 65_536)) {
            AudioFileInfo info = AudioFiles.forMediaType(job.mediaType()).read(in, sink);
            return new JobRecord.Audio(info.container(), info.codec(), info.sampleRate(), info.channels(),
                    info.durationMicros() / 1000);
        } catch (AudioFileException e) {
            throw new JobFailedException(new JobFailure(e.problem().wireName(), switch (e.problem()) {
                case UNSUPPORTED -> "The file's audio format is not supported.";
                case TRUNCATED -> "The file ends early: upload it again in full.";
                case CORRUPT -> "The file is damaged or not what its type says.";
            }, e.getMessage() + e.offset().stream().mapToObj(o -> " (at byte " + o + ")").findFirst().orElse(""),
                    false));
        }
    }

    /** The session's stored chunks, then the tail uploaded after the hand-off, through one decoder. */
    private JobRecord.Audio decodeSession(PcmFile sink) throws IOException, JobFailedException {
        SessionManifest meta = job.sessionId() == null ? null : sessions.manifest(job.sessionId()).orElse(null);
        if (meta == null) {
            throw new JobFailedException(new JobFailure("session_not_found", "The session's stored audio is gone.",
                    "no stored session " + job.sessionId(), false));
        }
        AudioCodec codec = AudioCodec.fromWire(meta.codec());
        int rate = meta.sampleRate();
        int channels = meta.channels();
        if (codec == null || !codec.supportsRate(rate) || !AudioCodec.CHANNELS.contains(channels)) {
            throw new IOException("session.json names no valid format");
        }
        PacketDecoder decoder = codec.newDecoder(rate, channels, sink);
        StoredChunks.Visitor feed = (seq, data, n) -> {
            try {
                decoder.decode(data, 0, n);
            } catch (BadAudioException e) {
                // concealed as silence, as on the live stream
            }
        };
        sessions.readChunks(job.sessionId(), job.sessionChunks(), feed);
        store.readTail(job.id(), feed);
        decoder.finish();
        return new JobRecord.Audio("session", codec.wireName(), rate, channels,
                EngineFormat.millis(sink.samples));
    }

    /** Too much audio for one job. */
    private static final class TooLong extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLong() {
            super(null, null, false, false);
        }
    }

    /** Stores the decoded samples and feeds the segmenter, refusing more than the job may hold. */
    private final class PcmFile implements PcmSink {
        private final JobStore.PcmWriter out;
        private final Segmenter segmenter;
        long samples; // the worker's thread only

        PcmFile(JobStore.PcmWriter out, Segmenter segmenter) {
            this.out = out;
            this.segmenter = segmenter;
        }

        @Override
        public void accept(short[] data, int offset, int count) {
            if (samples + count > maxSamples) {
                throw new TooLong();
            }
            check();
            try {
                out.write(data, offset, count);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            samples += count;
            segmenter.accept(data, offset, count);
        }
    }

    // ---- stages ----

    private List<List<Recognition>> transcribe(List<Piece> pieces) throws IOException, EngineLostException,
            JobFailedException {
        List<List<Recognition>> out = new ArrayList<>();
        long total = pieces.stream().mapToLong(Piece::length).sum();
        long done = 0;
        try (JobStore.PcmReader pcm = store.readPcm(job.id())) {
            for (int i = 0; i < pieces.size(); i++) {
                Piece p = pieces.get(i);
                host.progress(job.id(), Stage.TRANSCRIBING, percent(done, total),
                        "segment " + (i + 1) + " of " + pieces.size());
                short[] samples = pcm.read(p.startSample(), p.length());
                GuardedEngine.Outcome outcome = recognize(samples);
                if (outcome.failure() != null) {
                    outcome = recognize(samples); // one more try: a single failure may be the segment's own
                }
                if (outcome.failure() != null) {
                    if (outcome.failure().equals("engine_unavailable")) {
                        throw new EngineLostException(engine.unavailableDetail());
                    }
                    throw new JobFailedException(new JobFailure("engine_failed", "The speech engine failed on "
                            + "this recording.", "engine failed twice on segment " + (i + 1) + " of "
                            + pieces.size(), true));
                }
                long offsetMs = EngineFormat.millis(p.startSample());
                out.add(new ArrayList<>(outcome.recognitions().stream().map(r -> r.shifted(offsetMs)).toList()));
                done += p.length();
            }
        }
        host.progress(job.id(), Stage.TRANSCRIBING, 100, pieces.size() + " segments transcribed");
        return out;
    }

    private GuardedEngine.Outcome recognize(short[] samples) {
        check();
        CompletableFuture<GuardedEngine.Outcome> f = engine.recognizeInTurn(samples);
        waiting = f;
        try {
            check();
            GuardedEngine.Outcome outcome = f.get();
            if (GuardedEngine.STOPPING.equals(outcome.failure())) {
                throw new CancellationException(); // the server stops: the job stays as it is, to run again
            }
            return outcome;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException();
        } catch (ExecutionException e) {
            if (engine.isStopping()) {
                throw new CancellationException();
            }
            return new GuardedEngine.Outcome(null, "engine_unavailable");
        } finally {
            waiting = null;
        }
    }

    /** Replaces each recognition's word times by forced alignment of its text over its audio. */
    private void align(List<Piece> pieces, List<List<Recognition>> bySegment) throws IOException {
        int total = bySegment.stream().mapToInt(List::size).sum();
        int done = 0;
        int unaligned = 0;
        try (JobStore.PcmReader pcm = store.readPcm(job.id())) {
            long pcmSamples = pcm.samples();
            for (List<Recognition> segment : bySegment) {
                for (int k = 0; k < segment.size(); k++) {
                    host.progress(job.id(), Stage.ALIGNING, percent(done, total), "segment " + (done + 1) + " of "
                            + total);
                    Recognition r = segment.get(k);
                    done++;
                    if (r.words().isEmpty()) {
                        continue;
                    }
                    long from = Math.max(0, samplesAt(r.startMs() - ALIGN_PAD_MS));
                    long to = Math.min(pcmSamples, samplesAt(r.endMs() + ALIGN_PAD_MS));
                    if (to <= from) {
                        continue;
                    }
                    short[] samples = pcm.read(from, (int) (to - from));
                    try {
                        List<Recognition.Word> aligned = inTurn(() -> engine.align(samples, 0, samples.length,
                                r.text()));
                        segment.set(k, withAlignedWords(r, aligned, EngineFormat.millis(from)));
                    } catch (EngineException e) {
                        unaligned++;
                        LOG.fine(() -> "job " + job.id() + ": alignment failed, recognizer times kept: " + e);
                    }
                }
            }
        }
        int kept = unaligned;
        host.progress(job.id(), Stage.ALIGNING, 100, kept == 0 ? total + " segments aligned"
                : (total - kept) + " of " + total + " segments aligned; recognizer times kept for the others");
    }

    /** The aligned words matched to the recognized ones in order; a word the aligner could not place keeps its time. */
    static Recognition withAlignedWords(Recognition r, List<Recognition.Word> aligned, long offsetMs) {
        List<Recognition.Word> out = new ArrayList<>();
        int a = 0;
        for (Recognition.Word w : r.words()) {
            int match = -1;
            for (int j = a; j < aligned.size(); j++) {
                if (aligned.get(j).word().equalsIgnoreCase(w.word())) {
                    match = j;
                    break;
                }
            }
            if (match < 0) {
                out.add(w);
            } else {
                Recognition.Word m = aligned.get(match);
                out.add(new Recognition.Word(w.word(), m.startMs() + offsetMs, m.endMs() + offsetMs,
                        w.confidence()));
                a = match + 1;
            }
        }
        long start = Math.min(r.startMs(), out.isEmpty() ? r.startMs() : out.get(0).startMs());
        long end = Math.max(r.endMs(), out.isEmpty() ? r.endMs() : out.get(out.size() - 1).endMs());
        return new Recognition(r.text(), out, r.speaker(), start, end);
    }

    private List<Recognition> diarize(List<Recognition> all) throws IOException, EngineLostException {
        host.progress(job.id(), Stage.DIARIZING, 0, "telling voices apart");
        short[] samples;
        try (JobStore.PcmReader pcm = store.readPcm(job.id())) {
            samples = pcm.read(0, (int) pcm.samples());
        }
        List<SpeakerTurn> turns;
        try {
            turns = inTurn(() -> engine.diarize(samples, 0, samples.length));
        } catch (EngineException e) {
            LOG.log(Level.WARNING, "job " + job.id() + ": diarization failed", e);
            host.progress(job.id(), Stage.DIARIZING, 100, "speakers could not be told apart");
            return all;
        }
        List<Recognition> out = new ArrayList<>();
        for (Recognition r : all) {
            out.add(new Recognition(r.text(), r.words(), speakerOf(turns, r.startMs(), r.endMs()), r.startMs(),
                    r.endMs()));
        }
        long speakers = turns.stream().map(SpeakerTurn::speaker).distinct().count();
        host.progress(job.id(), Stage.DIARIZING, 100, speakers + (speakers == 1 ? " speaker" : " speakers"));
        return out;
    }

    /** The speaker whose turns overlap the stretch most; null when none does. */
    static String speakerOf(List<SpeakerTurn> turns, long startMs, long endMs) {
        String best = null;
        long bestOverlap = 0;
        java.util.Map<String, Long> overlap = new java.util.HashMap<>();
        for (SpeakerTurn t : turns) {
            long o = Math.min(endMs, t.endMs()) - Math.max(startMs, t.startMs());
            if (o > 0) {
                long sum = overlap.merge(t.speaker(), o, Long::sum);
                if (sum > bestOverlap) {
                    bestOverlap = sum;
                    best = t.speaker();
                }
            }
        }
        return best;
    }

    @FunctionalInterface
    private interface EngineCall<T> {
        T call() throws EngineException;
    }

    /** Runs an engine call on the engine's threads in turn with the live sessions, and waits for it. */
    private <T> T inTurn(EngineCall<T> call) throws EngineException {
        check();
        CompletableFuture<Object> f = engine.inTurn(() -> {
            try {
                return call.call();
            } catch (EngineException e) {
                return e;
            }
        });
        waiting = f;
        try {
            Object result = f.get();
            if (result instanceof EngineException e) {
                throw e;
            }
            @SuppressWarnings("unchecked")
            T t = (T) result;
            return t;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException();
        } catch (ExecutionException e) {
            throw new EngineException("engine call failed: " + e.getCause(), e.getCause());
        } finally {
            waiting = null;
        }
    }

    private static long samplesAt(long ms) {
        return ms * EngineFormat.SAMPLE_RATE / 1000;
    }

    private static int percent(long done, long total) {
        return total <= 0 ? 100 : (int) (done * 100 / total);
    }
}
