package io.earshot.jobs;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One long poll of {@code GET /v1/jobs/{id}?wait=N} whose {@code If-None-Match} names the current record:
 * answered once, by the record's next change or, at the timeout, with the record then current.
 */
final class LongPoll {

    /** The answer: no such job any more (record null), or the record and whether it changed (200) or not (304). */
    record Answer(JobRecord record, boolean changed) {
    }

    private final Function<String, JobRecord> records;
    private final JobWatchers watchers;
    private final String id;
    private final String etag;
    private final Consumer<Answer> answer;
    /** The registration with the watchers, written by the request's thread; the timeout handler may read it still null. */
    private volatile Consumer<JobRecord> waiting;
    /** Set by the timeout handler, which may run before {@link #start} registered. */
    private volatile boolean timedOut;

    LongPoll(Function<String, JobRecord> records, JobWatchers watchers, String id, String etag,
            Consumer<Answer> answer) {
        this.records = records;
        this.watchers = watchers;
        this.id = id;
        this.etag = etag;
        this.answer = answer;
    }

    /** Waits for the next change; false, with nothing waiting, when {@code earshot.jobs.max-long-polls} wait already. */
    boolean start() {
        waiting = watchers.await(id, changed -> {
            JobRecord now = records.apply(id);
            answer.accept(new Answer(changed == null ? null : now != null ? now : changed, true));
        });
        if (waiting == null) {
            return false;
        }
        if (timedOut) {
            // the timeout came before the registration: it answered already, give the place back
            watchers.cancelWait(id, waiting);
            return true;
        }
        JobRecord again = records.apply(id);
        if (again == null || !again.etag().equals(etag)) {
            // changed between the caller's first look and the registration
            watchers.cancelWait(id, waiting);
            answer.accept(new Answer(again, true));
        }
        return true;
    }

    /** The wait is over with no change heard: the record as it is now, 304 if it is still the one named. */
    void timedOut() {
        timedOut = true;
        if (waiting != null) {
            watchers.cancelWait(id, waiting);
        }
        JobRecord now = records.apply(id);
        answer.accept(new Answer(now, now != null && !now.etag().equals(etag)));
    }
}
