package io.earshot.jobs;

import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.CancellationException;

/**
 * What a {@link JobRunner} reports, turned into record changes: a cancelled job, or a stopping server, stops its
 * runner at the next report; an engine lost mid-job queues the job again until its last attempt.
 */
final class JobProgress implements JobRunner.Host {

    private final JobLedger ledger;
    private final JobQueue queue;
    private final JobStore store;
    private final int maxAttempts;
    private final Clock clock;

    JobProgress(JobLedger ledger, JobQueue queue, JobStore store, int maxAttempts, Clock clock) {
        this.ledger = ledger;
        this.queue = queue;
        this.store = store;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
    }

    @Override
    public void started(String id) {
        checkRunning();
        JobRecord r = ledger.update(id, x -> x.stage() != Stage.QUEUED ? x : x.withAttempt().moved(Stage.TRANSCRIBING,
                0, "starting", clock.instant()));
        if (r == null || r.stage() != Stage.TRANSCRIBING) {
            throw new CancellationException();
        }
    }

    @Override
    public void progress(String id, Stage stage, int percent, String detail) {
        checkRunning();
        JobRecord r = ledger.update(id, x -> x.stage().isFinal() || (x.stage() == stage && x.percent() == percent
                && x.detail().equals(detail)) ? x : x.moved(stage, percent, detail, clock.instant()));
        if (r == null || r.stage().isFinal()) {
            throw new CancellationException();
        }
    }

    @Override
    public void audio(String id, JobRecord.Audio audio) {
        ledger.update(id, x -> x.withAudio(audio, clock.instant()));
    }

    @Override
    public void complete(String id, Transcript transcript) throws IOException {
        checkRunning();
        store.saveTranscript(id, transcript);
        int segments = transcript.segments().size();
        long words = transcript.segments().stream().mapToLong(g -> g.text().isBlank() ? 0
                : g.text().trim().split("\\s+").length).sum();
        ledger.update(id, x -> x.stage().isFinal() ? x : x.moved(Stage.COMPLETE, 100, segments
                + (segments == 1 ? " segment, " : " segments, ") + words + (words == 1 ? " word" : " words"),
                clock.instant()));
    }

    @Override
    public void failed(String id, JobFailure failure) {
        if (!queue.stopping()) {
            ledger.update(id, x -> x.stage().isFinal() ? x : x.failed(failure, clock.instant()));
        }
    }

    @Override
    public void engineLost(String id, String detail) {
        if (queue.stopping()) {
            return;
        }
        JobRecord r = ledger.update(id, x -> {
            if (x.stage().isFinal()) {
                return x;
            }
            if (x.attempts() >= maxAttempts) {
                return x.failed(new JobFailure("engine_unavailable", "The speech engine stopped working "
                        + "while transcribing this job.", detail + "; " + x.attempts() + " attempts", true),
                        clock.instant());
            }
            return x.moved(Stage.QUEUED, 0, "waiting for the speech engine (" + detail + ")", clock.instant());
        });
        if (r != null && r.stage() == Stage.QUEUED) {
            queue.addFirst(id);
        }
    }

    @Override
    public void finished(String id) {
        queue.finished(id);
    }

    /** A stopping server leaves the record as it is, for the next start to queue again. */
    private void checkRunning() {
        if (queue.stopping()) {
            throw new CancellationException();
        }
    }
}
