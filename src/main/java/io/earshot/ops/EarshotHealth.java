package io.earshot.ops;

import io.earshot.jobs.JobService;
import io.earshot.stream.SessionRegistry;
import io.earshot.transcription.EngineService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * MicroProfile Health checks, served by the server at {@code /health/ready} and {@code /health/live}.
 * Ready: the engine is loaded and its circuit breaker lets calls through, the spool directory and the jobs
 * directory are usable. Live: the session timer (heartbeats, timeouts, flushes) ran within the last ten seconds.
 */
@ApplicationScoped
public class EarshotHealth {

    /** The timer runs every {@code earshot.timer.tick-ms} (50 ms); ten seconds without it means it is stuck. */
    static final long TIMER_STALL_MS = 10_000;

    @Inject
    SessionRegistry registry;

    @Inject
    EngineService engine;

    @Inject
    JobService jobs;

    @Produces
    @Readiness
    HealthCheck ready() {
        return () -> {
            boolean engineOk = engine.isAvailable();
            boolean spoolOk = registry.spoolOk();
            boolean jobsOk = Boolean.TRUE.equals(jobs.status().get("ready"));
            return HealthCheckResponse.named("earshot").status(engineOk && spoolOk && jobsOk)
                    .withData("engine", String.valueOf(engine.status().get("state")))
                    .withData("breaker", String.valueOf(engine.status().get("breaker")))
                    .withData("spool", spoolOk)
                    .withData("jobs", jobsOk)
                    .build();
        };
    }

    @Produces
    @Liveness
    HealthCheck live() {
        return () -> {
            long sinceTickMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - registry.lastTickNanos());
            return HealthCheckResponse.named("earshot-timer").status(sinceTickMs < TIMER_STALL_MS)
                    .withData("ms_since_last_tick", sinceTickMs)
                    .build();
        };
    }
}
