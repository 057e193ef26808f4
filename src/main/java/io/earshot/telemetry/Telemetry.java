package io.earshot.telemetry;

/**
 * The events Earshot counts, reported by the streaming code to whatever metrics system is present. The code
 * that reports them needs nothing beyond Java; {@code EarshotMetrics} plugs MicroProfile Metrics in when the
 * server has it, and without it (a server without MicroProfile) the events go nowhere.
 */
public final class Telemetry {

    /** Where the events go. */
    public interface Sink {
        void chunksStored(long chunks, long bytes);

        void ackLatency(long nanos);

        void resumed();

        void error(String code);
    }

    private static final Sink NONE = new Sink() {
        @Override
        public void chunksStored(long chunks, long bytes) {
        }

        @Override
        public void ackLatency(long nanos) {
        }

        @Override
        public void resumed() {
        }

        @Override
        public void error(String code) {
        }
    };

    private static volatile Sink sink = NONE;

    private Telemetry() {
    }

    public static void plug(Sink s) {
        sink = s == null ? NONE : s;
    }

    public static Sink sink() {
        return sink;
    }
}
