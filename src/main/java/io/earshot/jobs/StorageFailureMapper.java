package io.earshot.jobs;

import io.earshot.api.ApiError;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A {@link StorageFailure} answered {@code 500 storage_failed} with its sentence; the cause goes to the log only. */
@Provider
public class StorageFailureMapper implements ExceptionMapper<StorageFailure> {

    private static final Logger LOG = Logger.getLogger(StorageFailureMapper.class.getName());

    @Override
    public Response toResponse(StorageFailure e) {
        LOG.log(Level.WARNING, "Earshot jobs: " + e.getMessage(), e.getCause());
        return ApiError.response(Response.Status.INTERNAL_SERVER_ERROR, "storage_failed", e.getMessage());
    }
}
