package io.earshot.jobs;

import io.earshot.protocol.Json;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link JobRefusal} answered as every REST error is ({@code io.earshot.api.ApiError}'s body and headers), with
 * its own status, which need not be one {@code Response.Status} names (423), and {@code Retry-After} when trying
 * again can help.
 */
@Provider
public class JobRefusalMapper implements ExceptionMapper<JobRefusal> {

    @Override
    public Response toResponse(JobRefusal e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", e.code());
        body.put("message", e.getMessage());
        Response.ResponseBuilder b = Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store").entity(Json.write(body));
        if (e.retryAfterSeconds() >= 0) {
            b.header("Retry-After", e.retryAfterSeconds());
        }
        return b.build();
    }
}
