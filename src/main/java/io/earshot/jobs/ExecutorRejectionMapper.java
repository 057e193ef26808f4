package io.earshot.jobs;

import io.earshot.api.ApiError;
import io.earshot.config.EarshotConfig;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A managed executor that refused work while a request waited on it: {@code 503 server_busy} with
 * {@code Retry-After} ({@code earshot.limits.retry-after-ms}), never a stack trace.
 */
@Provider
public class ExecutorRejectionMapper implements ExceptionMapper<RejectedExecutionException> {

    private static final Logger LOG = Logger.getLogger(ExecutorRejectionMapper.class.getName());

    @Override
    public Response toResponse(RejectedExecutionException e) {
        LOG.log(Level.WARNING, "Earshot: an executor refused a request's work", e);
        long seconds = Math.max(1, (EarshotConfig.current().retryAfterMs + 999) / 1000);
        return ApiError.builder(Response.Status.SERVICE_UNAVAILABLE, "server_busy", "The server is too busy to "
                + "take this request now; try again after Retry-After.").header("Retry-After", seconds).build();
    }
}
