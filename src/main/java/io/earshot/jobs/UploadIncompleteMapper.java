package io.earshot.jobs;

import io.earshot.api.ApiError;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;

/** An {@link UploadIncomplete} answered {@code 400 upload_incomplete}, with the {@code Upload-Offset} reached if any. */
@Provider
public class UploadIncompleteMapper implements ExceptionMapper<UploadIncomplete> {

    private static final Logger LOG = Logger.getLogger(UploadIncompleteMapper.class.getName());

    @Override
    public Response toResponse(UploadIncomplete e) {
        LOG.log(Level.FINE, "upload broke off", e.getCause());
        Response.ResponseBuilder b = ApiError.builder(Response.Status.BAD_REQUEST, "upload_incomplete",
                e.getMessage());
        if (e.uploadOffset() >= 0) {
            b.header("Upload-Offset", e.uploadOffset());
        }
        return b.build();
    }
}
