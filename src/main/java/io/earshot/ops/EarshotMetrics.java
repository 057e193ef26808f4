package io.earshot.ops;

import io.earshot.jobs.JobService;
import io.earshot.stream.SessionRegistry;
import io.earshot.telemetry.Telemetry;
import io.earshot.transcription.EngineService;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Earshot's MicroProfile Metrics, in the application registry (the server serves them at {@code /metrics},
 * Prometheus text by default): gauges read from the live state, counters and the ack-latency histogram fed by
 * {@link Telemetry}. docs/reliability.md lists them.
 */
@ApplicationScoped
public class EarshotMetrics implements Telemetry.Sink {

    @Inject
    MetricRegistry metrics;

    @Inject
    SessionRegistry sessions;

    @Inject
    EngineService engine;

    @Inject
    JobService jobs;

    private Counter chunks;
    private Counter bytes;
    private Counter resumes;
    private Histogram ackLatency;

    void onStartup(@Observes @Initialized(ApplicationScoped.class) Object event) {
        chunks = metrics.counter(meta("earshot_chunks_stored", "Audio chunks stored (and so acked or about to be)",
                "none"));
        bytes = metrics.counter(meta("earshot_audio_bytes_stored", "Audio payload bytes stored", "bytes"));
        resumes = metrics.counter(meta("earshot_resumes", "Sessions resumed on a new connection", "none"));
        ackLatency = metrics.histogram(meta("earshot_ack_latency", "From the arrival of the oldest chunk an ack "
                + "covers to the ack being queued, in milliseconds", "milliseconds"));
        gauge("earshot_connections", "Open stream connections", () -> number(sessions.status(), "connections"));
        gauge("earshot_sessions_attached", "Live sessions with a connection",
                () -> number(sessions.status(), "sessions_attached"));
        gauge("earshot_sessions_detached", "Live sessions waiting for a resume",
                () -> number(sessions.status(), "sessions_detached"));
        gauge("earshot_engine_lag_max", "The largest transcription lag of a live session, in milliseconds",
                sessions::maxEngineLagMs);
        gauge("earshot_engine_ready", "1 when the engine is loaded, else 0", () -> engine.isReady() ? 1 : 0);
        gauge("earshot_engine_breaker", "The engine's circuit breaker: 0 closed, 1 half open, 2 open",
                () -> switch (String.valueOf(engine.status().get("breaker"))) {
                    case "closed" -> 0;
                    case "half_open" -> 1;
                    default -> 2;
                });
        gauge("earshot_jobs_queued", "Jobs waiting for a worker", () -> number(jobs.status(), "queued"));
        gauge("earshot_jobs_running", "Jobs a worker holds", () -> number(jobs.status(), "running"));
        gauge("earshot_jobs_uploading", "Resumable uploads not complete", () -> number(jobs.status(), "uploading"));
        Telemetry.plug(this);
    }

    @PreDestroy
    void unplug() {
        Telemetry.plug(null);
    }

    private static Metadata meta(String name, String description, String unit) {
        return Metadata.builder().withName(name).withDescription(description).withUnit(unit).build();
    }

    private void gauge(String name, String description, Supplier<Number> value) {
        metrics.gauge(meta(name, description, "none"), () -> value.get().doubleValue());
    }

    private static Number number(Map<String, Object> status, String key) {
        return status.get(key) instanceof Number n ? n : 0;
    }

    @Override
    public void chunksStored(long count, long payloadBytes) {
        chunks.inc(count);
        bytes.inc(payloadBytes);
    }

    @Override
    public void ackLatency(long nanos) {
        ackLatency.update(nanos / 1_000_000);
    }

    @Override
    public void resumed() {
        resumes.inc();
    }

    @Override
    public void error(String code) {
        metrics.counter(meta("earshot_errors", "Protocol errors sent to clients, by code", "none"),
                new Tag("code", code)).inc();
    }
}
