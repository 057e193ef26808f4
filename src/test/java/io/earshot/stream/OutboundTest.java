package io.earshot.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.earshot.protocol.ServerMessage;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The outgoing side of a connection: one send in flight at a time, acks coalesced into one slot sent before
 * the next queued message, a bounded queue whose overflow is reported, and a close that flushes what was queued.
 */
class OutboundTest {

    private final FakeTransport transport = new FakeTransport();
    private final AtomicInteger overflows = new AtomicInteger();

    private Outbound outbound(int maxQueued) {
        return new Outbound(transport, maxQueued, overflows::incrementAndGet, Runnable::run, Runnable::run);
    }

    // ---- one send in flight ----------------------------------------------------------------------

    @Test
    void messageIsHandedToTheTransportAtOnceWhenIdle() {
        Outbound out = outbound(16);

        assertTrue(out.send(heartbeat(1)));

        assertEquals(List.of(heartbeat(1)), transport.log);
    }

    @Test
    void onlyOneSendIsInFlightAtATime() {
        Outbound out = outbound(16);

        out.send(heartbeat(1));
        out.send(heartbeat(2));
        out.send(heartbeat(3));

        assertEquals(List.of(heartbeat(1)), transport.log);
        assertEquals(1, transport.maxInFlight);
    }

    @Test
    void completingASendStartsTheNextInQueueOrder() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.send(heartbeat(2));
        out.send(heartbeat(3));

        transport.completeNext();
        assertEquals(List.of(heartbeat(1), heartbeat(2)), transport.log);

        transport.completeNext();
        assertEquals(List.of(heartbeat(1), heartbeat(2), heartbeat(3)), transport.log);
        assertEquals(1, transport.maxInFlight);
    }

    @Test
    void sentCountCountsMessagesHandedToTheTransport() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.send(heartbeat(2));

        assertEquals(1, out.sentCount());
        transport.completeNext();
        assertEquals(2, out.sentCount());
    }

    // ---- acks ------------------------------------------------------------------------------------

    @Test
    void ackIsSentAtOnceWhenIdle() {
        Outbound out = outbound(16);

        out.ack(5);

        assertEquals(List.of(ack(5)), transport.log);
    }

    @Test
    void acksWhileASendIsInFlightAreCoalescedToTheHighest() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));

        out.ack(3);
        out.ack(7);
        out.ack(5);
        transport.completeNext();
        transport.completeNext();

        assertEquals(List.of(heartbeat(1), ack(7)), transport.log);
    }

    @Test
    void ackGoesBeforeQueuedMessages() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.send(heartbeat(2));
        out.ack(4);

        transport.completeNext();
        transport.completeNext();

        assertEquals(List.of(heartbeat(1), ack(4), heartbeat(2)), transport.log);
    }

    @Test
    void ackArrivingAfterAnAckWasSentIsSentAgain() {
        Outbound out = outbound(16);
        out.ack(1);
        out.ack(2);

        transport.completeNext();

        assertEquals(List.of(ack(1), ack(2)), transport.log);
    }

    @Test
    void acksDoNotTakeQueueSpace() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        for (int i = 1; i <= 1_000; i++) {
            out.ack(i);
        }

        assertEquals(0, overflows.get());
        assertEquals(0.0, out.fill());
    }

    // ---- pings -----------------------------------------------------------------------------------

    @Test
    void pingTakesItsTurnInTheQueueAndDoesNotWaitForACompletion() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.ping();
        out.send(heartbeat(2));

        transport.completeNext();

        assertEquals(List.of(heartbeat(1), FakeTransport.PING, heartbeat(2)), transport.log);
    }

    @Test
    void pingThatCannotBeSentDoesNotStopLaterMessages() {
        Outbound out = outbound(16);
        transport.pingFails = true;

        out.ping();
        out.send(heartbeat(1));

        assertEquals(List.of(FakeTransport.PING, heartbeat(1)), transport.log);
    }

    // ---- overflow --------------------------------------------------------------------------------

    @Test
    void queueBeyondItsLimitCallsOnOverflowAndRefusesTheMessage() {
        Outbound out = outbound(2);
        out.send(heartbeat(1)); // in flight
        out.send(heartbeat(2));
        out.send(heartbeat(3));

        boolean accepted = out.send(heartbeat(4));

        assertFalse(accepted);
        assertEquals(1, overflows.get());
        transport.completeAll();
        assertEquals(List.of(heartbeat(1), heartbeat(2), heartbeat(3)), transport.log);
    }

    @Test
    void messageInFlightDoesNotCountTowardsTheQueueLimit() {
        Outbound out = outbound(2);

        assertTrue(out.send(heartbeat(1)));
        assertTrue(out.send(heartbeat(2)));
        assertTrue(out.send(heartbeat(3)));

        assertEquals(0, overflows.get());
    }

    @Test
    void fillIsTheFractionOfTheQueueInUse() {
        Outbound out = outbound(4);
        out.send(heartbeat(1)); // in flight
        out.send(heartbeat(2));
        out.send(heartbeat(3));

        assertEquals(0.5, out.fill());
    }

    @Test
    void pingIsDroppedRatherThanOverflowingTheQueue() {
        Outbound out = outbound(1);
        out.send(heartbeat(1)); // in flight
        out.send(heartbeat(2));

        out.ping();

        assertEquals(0, overflows.get());
        transport.completeAll();
        assertEquals(List.of(heartbeat(1), heartbeat(2)), transport.log);
    }

    // ---- close -----------------------------------------------------------------------------------

    @Test
    void closeWhenIdleClosesAtOnce() {
        Outbound out = outbound(16);

        out.close(1000, "bye");

        assertEquals(List.of(closed(1000, "bye")), transport.log);
    }

    @Test
    void closeSendsQueuedMessagesThenCloses() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.send(heartbeat(2));

        out.close(4001, "max duration");
        assertEquals(List.of(heartbeat(1)), transport.log);

        transport.completeAll();
        assertEquals(List.of(heartbeat(1), heartbeat(2), closed(4001, "max duration")), transport.log);
    }

    @Test
    void pendingAckIsSentBeforeTheClose() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.ack(9);

        out.close(1000, "ended");
        transport.completeAll();

        assertEquals(List.of(heartbeat(1), ack(9), closed(1000, "ended")), transport.log);
    }

    @Test
    void sendAfterCloseIsRefused() {
        Outbound out = outbound(16);
        out.close(1000, "bye");

        assertFalse(out.send(heartbeat(1)));
        assertTrue(out.isClosing());
        assertEquals(List.of(closed(1000, "bye")), transport.log);
    }

    @Test
    void ackAndPingAfterCloseAreIgnored() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.close(1000, "bye");

        out.ack(3);
        out.ping();
        transport.completeAll();

        assertEquals(List.of(heartbeat(1), closed(1000, "bye")), transport.log);
    }

    @Test
    void secondCloseIsIgnored() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));

        out.close(1000, "first");
        out.close(1011, "second");
        transport.completeAll();

        assertEquals(List.of(heartbeat(1), closed(1000, "first")), transport.log);
    }

    @Test
    void closeIsNotRefusedByAFullQueue() {
        Outbound out = outbound(1);
        out.send(heartbeat(1)); // in flight
        out.send(heartbeat(2));

        out.close(1000, "bye");
        transport.completeAll();

        assertEquals(0, overflows.get());
        assertEquals(List.of(heartbeat(1), heartbeat(2), closed(1000, "bye")), transport.log);
    }

    @Test
    void abortClosesAtOnceDroppingWhatIsQueued() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.send(heartbeat(2));
        out.ack(5);

        out.abort(4005, "slow_consumer");
        transport.completeAll();

        assertEquals(List.of(heartbeat(1), closed(4005, "slow_consumer")), transport.log);
        assertFalse(out.send(heartbeat(3)));
    }

    @Test
    void abortAfterTheTransportDiedDoesNotCloseAgain() {
        Outbound out = outbound(16);
        out.close(1000, "bye");

        out.abort(4005, "slow_consumer");

        assertEquals(List.of(closed(1000, "bye")), transport.log);
    }

    @Test
    void theAckSlotDoesNotOvertakeWhatWasQueuedBeforeTheHold() {
        Outbound out = outbound(16);
        out.send(heartbeat(1)); // in flight
        out.send(heartbeat(2)); // a session's opening, say started and a replayed event
        out.send(heartbeat(3));
        out.holdAcksBehindQueued();
        out.send(heartbeat(4));
        out.ack(5);

        transport.completeAll();

        assertEquals(List.of(heartbeat(1), heartbeat(2), heartbeat(3), ack(5), heartbeat(4)), transport.log,
                "the ack waits for the opening, then still goes before the next queued message");
    }

    // ---- closes on their own executor ----------------------------------------------------------

    @Test
    void theQueuedCloseAndAnAbortRunOnTheCloserNeverOnTheWriter() {
        SessionHarness.ManualWriter writer = new SessionHarness.ManualWriter();
        SessionHarness.ManualWriter closer = new SessionHarness.ManualWriter();
        transport.inline = true;
        Outbound out = new Outbound(transport, 16, overflows::incrementAndGet, writer, closer);
        out.send(heartbeat(1));
        out.close(1000, "bye");

        writer.runAll();
        assertEquals(List.of(heartbeat(1)), transport.log, "the writer sent the message, not the close");
        assertTrue(out.isDone());
        closer.runAll();
        assertEquals(List.of(heartbeat(1), closed(1000, "bye")), transport.log);

        Outbound aborted = new Outbound(transport, 16, overflows::incrementAndGet, writer, closer);
        aborted.abort(1008, "slow_consumer");
        writer.runAll();
        assertEquals(2, transport.log.size(), "an abort is not the writer's either");
        closer.runAll();
        assertEquals(closed(1008, "slow_consumer"), transport.log.get(2));
    }

    // ---- an executor that refuses work -----------------------------------------------------------

    @Test
    void aWriterThatRefusesWorkLeavesTheConnectionDeadAndRunsNothingOnTheCaller() {
        for (RuntimeException refusal : List.of(new java.util.concurrent.RejectedExecutionException("shut down"),
                new IllegalStateException("thread factory failed"))) {
            FakeTransport t = new FakeTransport();
            t.inline = true;
            Outbound out = new Outbound(t, 16, overflows::incrementAndGet, task -> {
                throw refusal;
            }, task -> {
                throw refusal;
            });

            assertTrue(out.send(heartbeat(1)));

            assertEquals(List.of(), t.log, "nothing ran on the caller's thread: " + refusal);
            assertTrue(out.isDone(), "the connection is dead: " + refusal);
            assertFalse(out.send(heartbeat(2)));
            out.abort(1001, "going_away");
            assertEquals(List.of(), t.log);
        }
    }

    @Test
    void aCloserThatRefusesWorkRunsNoCloseOnTheCaller() {
        Outbound out = new Outbound(transport, 16, overflows::incrementAndGet, Runnable::run, task -> {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        });

        out.abort(1001, "going_away");

        assertEquals(List.of(), transport.log);
        assertTrue(out.isDone());
    }

    // ---- failures --------------------------------------------------------------------------------

    @Test
    void failedSendStopsWriting() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.send(heartbeat(2));
        out.ack(3);

        transport.failNext(new IOException("broken pipe"));
        transport.completeAll();

        assertEquals(List.of(heartbeat(1)), transport.log);
        assertTrue(out.isClosing());
        assertFalse(out.send(heartbeat(4)));
    }

    @Test
    void sendThatThrowsStopsWriting() {
        Outbound out = outbound(16);
        transport.throwOnSend = true;

        out.send(heartbeat(1));
        transport.throwOnSend = false;

        assertFalse(out.send(heartbeat(2)));
        assertEquals(List.of(heartbeat(1)), transport.log);
    }

    @Test
    void markDeadStopsWritingAndRefusesSends() {
        Outbound out = outbound(16);
        out.send(heartbeat(1));
        out.send(heartbeat(2));

        out.markDead();
        transport.completeAll();

        assertEquals(List.of(heartbeat(1)), transport.log);
        assertFalse(out.send(heartbeat(3)));
    }

    // ---- inline completion and threads -------------------------------------------------------------

    @Test
    void inlineCompletionOfThousandsOfQueuedMessagesDoesNotRecurse() {
        int n = 50_000;
        Outbound out = outbound(n);
        out.send(heartbeat(0)); // held in flight while the queue fills
        for (int i = 1; i <= n; i++) {
            out.send(heartbeat(i));
        }
        transport.inline = true;

        transport.completeNext(); // every queued send now completes inside transport.send

        assertEquals(n + 1, transport.log.size());
        assertEquals(heartbeat(n), transport.log.get(n));
        assertEquals(1, transport.maxInFlight);
        assertEquals(0.0, out.fill());
    }

    @Test
    void inlineCompletionKeepsAcksAndMessagesInOrder() {
        transport.inline = true;
        Outbound out = outbound(16);

        out.send(heartbeat(1));
        out.ack(2);
        out.send(heartbeat(3));
        out.close(1000, "bye");

        assertEquals(List.of(heartbeat(1), ack(2), heartbeat(3), closed(1000, "bye")), transport.log);
    }

    @Test
    void completionsOnAnotherThreadNeverOverlapSendsAndLoseNothing() throws Exception {
        int producers = 4;
        int perProducer = 2_000;
        ExecutorService completer = Executors.newSingleThreadExecutor();
        CountDownLatch delivered = new CountDownLatch(producers * perProducer);
        ThreadedTransport threaded = new ThreadedTransport(completer, delivered);
        Outbound out = new Outbound(threaded, producers * perProducer, overflows::incrementAndGet, Runnable::run,
                Runnable::run);
        try {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int producer = p;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        out.send(new ServerMessage.Flow("ok", "p" + producer, i, 0, 0));
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }

            assertTrue(delivered.await(30, TimeUnit.SECONDS), "not all messages were sent");
        } finally {
            completer.shutdownNow();
        }

        assertEquals(0, threaded.overlaps.get());
        assertEquals(0, overflows.get());
        Map<String, Integer> next = new HashMap<>();
        for (ServerMessage m : threaded.sent) {
            ServerMessage.Flow flow = (ServerMessage.Flow) m;
            int expected = next.getOrDefault(flow.reason(), 0);
            assertEquals(expected, flow.unacked(), "order of producer " + flow.reason());
            next.put(flow.reason(), expected + 1);
        }
        assertEquals(producers * perProducer, threaded.sent.size());
    }

    // ---- fakes -----------------------------------------------------------------------------------

    private static ServerMessage heartbeat(long ts) {
        return new ServerMessage.Heartbeat(ts);
    }

    private static Object closed(int code, String reason) {
        return "close " + code + " " + reason;
    }

    private static ServerMessage ack(long seq) {
        return new ServerMessage.Ack(seq);
    }

    /** Records what Outbound does; sends complete when the test says so, or inline if {@code inline}. */
    private static final class FakeTransport implements Outbound.Transport {
        static final Object PING = "ping";

        final List<Object> log = new ArrayList<>();
        final ArrayDeque<Consumer<Throwable>> pending = new ArrayDeque<>();
        final ArrayDeque<Throwable> failures = new ArrayDeque<>();
        boolean inline;
        boolean throwOnSend;
        boolean pingFails;
        int inFlight;
        int maxInFlight;

        @Override
        public void send(ServerMessage message, Consumer<Throwable> done) {
            log.add(message);
            if (throwOnSend) {
                throw new IllegalStateException("session closed");
            }
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            if (inline) {
                inFlight--;
                done.accept(null);
            } else {
                pending.add(done);
            }
        }

        @Override
        public void ping() {
            log.add(PING);
            if (pingFails) {
                throw new IllegalStateException("ping failed");
            }
        }

        @Override
        public void close(int code, String reason) {
            log.add(closed(code, reason));
        }

        void failNext(Throwable failure) {
            failures.add(failure);
        }

        /** Completes the send in flight, if any. */
        void completeNext() {
            Consumer<Throwable> done = pending.poll();
            if (done != null) {
                inFlight--;
                done.accept(failures.poll());
            }
        }

        void completeAll() {
            while (!pending.isEmpty()) {
                completeNext();
            }
        }
    }

    /** Completes every send later on another thread, counting any send that starts while one is in flight. */
    private static final class ThreadedTransport implements Outbound.Transport {
        final ExecutorService completer;
        final CountDownLatch delivered;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final List<ServerMessage> sent = Collections.synchronizedList(new ArrayList<>());

        ThreadedTransport(ExecutorService completer, CountDownLatch delivered) {
            this.completer = completer;
            this.delivered = delivered;
        }

        @Override
        public void send(ServerMessage message, Consumer<Throwable> done) {
            if (inFlight.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            sent.add(message);
            completer.execute(() -> {
                inFlight.decrementAndGet();
                delivered.countDown();
                done.accept(null);
            });
        }

        @Override
        public void ping() {
        }

        @Override
        public void close(int code, String reason) {
        }
    }
}
