package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.protocol.Json;
import io.earshot.security.Authenticator;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Followers of a job: long polls answered once on the next change, subscribers replayed exactly once in order. */
class JobWatchersTest {

    private static final Authenticator.Identity ANONYMOUS = new Authenticator.Identity("anonymous", Set.of(), false);

    @TempDir
    Path dir;

    private TestJobs t;
    private JobWatchers watchers;

    @BeforeEach
    void start() {
        t = new TestJobs(dir, "earshot.jobs.max-long-polls", "2");
        watchers = new JobWatchers();
        watchers.jobs = t.jobs;
        t.onPublish = watchers::changed;
    }

    /** A WebSocket that completes every send at once and records what was sent and how it was closed. */
    static final class FakeSocket {
        final List<String> sent = new ArrayList<>();
        final List<Integer> closes = new ArrayList<>();
        final Map<String, Object> properties = new HashMap<>();
        final Session session;

        FakeSocket() {
            RemoteEndpoint.Async remote = (RemoteEndpoint.Async) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {RemoteEndpoint.Async.class}, (p, m, args) -> {
                        if (m.getName().equals("sendText") && args.length == 2) {
                            sent.add((String) args[0]);
                            ((SendHandler) args[1]).onResult(new SendResult());
                        }
                        return null;
                    });
            session = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Session.class},
                    (p, m, args) -> switch (m.getName()) {
                        case "getAsyncRemote" -> remote;
                        case "getUserProperties" -> properties;
                        case "close" -> {
                            closes.add(((CloseReason) args[0]).getCloseCode().getCode());
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        default -> null;
                    });
        }

        List<Long> eventIds() throws Exception {
            List<Long> ids = new ArrayList<>();
            for (String text : sent) {
                JsonNode n = Json.mapper().readTree(text);
                if (n.path("type").asText().equals("job")) {
                    ids.add(n.path("job").path("event_id").asLong());
                }
            }
            return ids;
        }
    }

    @Test
    void aLongPollIsAnsweredOnceByTheNextChange() throws Exception {
        JobRecord r = t.tusUpload(5000);
        List<JobRecord> answers = new ArrayList<>();
        assertNotNull(watchers.await(r.id(), answers::add));
        t.jobs.appendUpload(r.id(), 0, new java.io.ByteArrayInputStream(new byte[100]));
        t.jobs.appendUpload(r.id(), 100, new java.io.ByteArrayInputStream(new byte[100]));
        assertEquals(1, answers.size());
        assertEquals(2, answers.get(0).eventId());
        assertEquals(0, watchers.waiting(), "its place is free again");
    }

    @Test
    void longPollsBeyondTheirBoundAreAnsweredAtOnceAndATimedOutOneFreesItsPlace() throws Exception {
        JobRecord r = t.tusUpload(5000);
        Consumer<JobRecord> first = watchers.await(r.id(), x -> { });
        assertNotNull(watchers.await(r.id(), x -> { }));
        assertNull(watchers.await(r.id(), x -> { }), "earshot.jobs.max-long-polls are waiting already");
        watchers.cancelWait(r.id(), first);
        assertNotNull(watchers.await(r.id(), x -> { }));
    }

    @Test
    void aLongPollOnAJobThatWentAwayIsAnsweredAtOnce() {
        List<JobRecord> answers = new ArrayList<>();
        watchers.await("j_AAAAAAAAAAAAAAAAAAAAAA", answers::add);
        assertEquals(1, answers.size());
        assertNull(answers.get(0));
    }

    @Test
    void aSubscriberAfterNGetsEveryLaterRecordExactlyOnceInOrderThenTheClose() throws Exception {
        JobRecord r = t.oneRequestUpload(TestJobs.wav(2), false, false); // events 1 and 2
        FakeSocket ws = new FakeSocket();
        watchers.subscribe(ws.session, r.id(), 1, ANONYMOUS);
        watchers.changed(new JobChanged(t.jobs.get(r.id()))); // offered again, as a late event would be
        t.workers.runAll();
        List<Long> ids = ws.eventIds();
        assertEquals(2L, ids.get(0), "replay starts after event 1");
        for (int i = 1; i < ids.size(); i++) {
            assertEquals(ids.get(i - 1) + 1, ids.get(i), "each event once, in order: " + ids);
        }
        assertEquals(t.jobs.get(r.id()).eventId(), ids.get(ids.size() - 1), "the last sent is the final record");
        assertEquals(List.of(1000), ws.closes);
    }

    @Test
    void aSubscriberThatSawTheFinalRecordIsClosedWithNothingSent() throws Exception {
        JobRecord r = t.tusUpload(5000);
        JobRecord cancelled = t.jobs.cancel(r.id());
        FakeSocket ws = new FakeSocket();
        watchers.subscribe(ws.session, r.id(), cancelled.eventId(), ANONYMOUS);
        assertTrue(ws.eventIds().isEmpty());
        assertEquals(List.of(1000), ws.closes);
    }

    @Test
    void aSubscriptionToAnotherIdentitysJobIsRefusedAsNotFound() throws Exception {
        JobRecord r = t.tusUpload(5000);
        FakeSocket ws = new FakeSocket();
        watchers.subscribe(ws.session, r.id(), 0, new Authenticator.Identity("someone-else", Set.of(), false));
        assertEquals(List.of(JobWatchers.CLOSE_NOT_FOUND), ws.closes);
        assertEquals("job_not_found", Json.mapper().readTree(ws.sent.get(0)).path("code").asText());
    }
}
