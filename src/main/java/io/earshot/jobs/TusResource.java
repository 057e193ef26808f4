package io.earshot.jobs;

import io.earshot.api.ApiError;
import io.earshot.api.Caller;
import io.earshot.api.Credential;
import io.earshot.security.Access;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code /v1/uploads}: resumable uploads by the tus 1.0.0 core protocol with its creation,
 * creation-with-upload and termination extensions, so that tus clients (tus-js-client among them) work
 * unmodified. Each upload is a job in stage Uploading, with the same id: {@code /v1/uploads/{id}} takes the
 * bytes, {@code /v1/jobs/{id}} follows the job. The contract is docs/api/jobs.md.
 */
@Credential(Access.SCOPE_JOBS)
@Path("uploads")
@TusResumable
public class TusResource {

    static final String VERSION = "1.0.0";
    static final String OFFSET_TYPE = "application/offset+octet-stream";
    private static final Logger LOG = Logger.getLogger(TusResource.class.getName());

    @Inject
    JobService jobs;

    /** The request, for its caller ({@link Caller}). */
    @Context
    HttpServletRequest http;

    @OPTIONS
    public Response options() {
        return Response.noContent().header("Tus-Resumable", VERSION).header("Tus-Version", VERSION)
                .header("Tus-Extension", "creation,creation-with-upload,termination")
                .header("Tus-Max-Size", jobs.config().jobsMaxUploadBytes).build();
    }

    @OPTIONS
    @Path("{id}")
    public Response optionsOne() {
        return options();
    }

    @POST
    @Consumes("*/*")
    public Response create(@HeaderParam("Tus-Resumable") String tus, @HeaderParam("Upload-Length") String length,
            @HeaderParam("Upload-Defer-Length") String defer, @HeaderParam("Upload-Metadata") String metadata,
            @HeaderParam("Content-Type") String contentType, InputStream raw) throws JobRefusal, StorageFailure {
        InputStream body = jobs.metered(raw, Caller.limitKey(http));
        Response wrong = checkVersion(tus);
        if (wrong != null) {
            return wrong;
        }
        if (defer != null) {
            throw new JobRefusal(400, "bad_request", "Upload-Defer-Length is not supported: send Upload-Length.");
        }
        long total = number("Upload-Length", length);
        Map<String, String> meta = metadata(metadata);
        String type = meta.containsKey("filetype") ? meta.get("filetype") : meta.get("type");
        String name = meta.containsKey("filename") ? meta.get("filename") : meta.get("name");
        JobRecord r = jobs.createUpload(total, type == null || type.isBlank() ? null : type,
                JobResource.clean(name), JobResource.flag("align", meta.get("align")),
                JobResource.flag("diarize", meta.get("diarize")), Caller.name(http));
        Response.ResponseBuilder b = Response.status(Response.Status.CREATED)
                .location(URI.create(JobRecord.link("uploads/" + r.id())))
                .header("Link", "<" + JobRecord.link("jobs/" + r.id()) + ">; rel=\"job\"");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(OFFSET_TYPE)) {
            try {
                r = jobs.appendUpload(r.id(), 0, body);
            } catch (JobRefusal e) {
                jobs.cancel(r.id()); // refused without a Location: the client cannot go on with it
                throw e;
            } catch (UploadIncomplete | StorageFailure e) {
                // created all the same: the Location and the offset reached let the client go on
                LOG.log(Level.FINE, "creation-with-upload broke off", e);
                r = jobs.get(r.id());
            }
            b.header("Upload-Offset", r.uploadOffset());
        }
        return tus(b).build();
    }

    @HEAD
    @Path("{id}")
    public Response head(@PathParam("id") String id, @HeaderParam("Tus-Resumable") String tus) {
        Response wrong = checkVersion(tus);
        if (wrong != null) {
            return wrong;
        }
        JobRecord r = find(id);
        if (r == null) {
            return tus(Response.status(Response.Status.NOT_FOUND)).build();
        }
        if (closed(r)) {
            return tus(Response.status(Response.Status.GONE)).build();
        }
        return tus(Response.ok()).header("Upload-Offset", r.uploadOffset()).header("Upload-Length",
                r.uploadLength()).header("Cache-Control", "no-store").build();
    }

    @PATCH
    @Path("{id}")
    @Consumes("*/*")
    public Response patch(@PathParam("id") String id, @HeaderParam("Tus-Resumable") String tus,
            @HeaderParam("Upload-Offset") String offset, @HeaderParam("Content-Type") String contentType,
            InputStream raw) throws JobRefusal, UploadIncomplete, StorageFailure {
        InputStream body = jobs.metered(raw, Caller.limitKey(http));
        Response wrong = checkVersion(tus);
        if (wrong != null) {
            return wrong;
        }
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(OFFSET_TYPE)) {
            return tus(Response.fromResponse(ApiError.response(Response.Status.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type", "A PATCH must have Content-Type " + OFFSET_TYPE + "."))).build();
        }
        if (find(id) == null) {
            return tus(Response.fromResponse(JobResource.notFound())).build();
        }
        JobRecord after = jobs.appendUpload(id, number("Upload-Offset", offset), body);
        return tus(Response.noContent()).header("Upload-Offset", after.uploadOffset()).build();
    }

    /** Clients behind proxies that block PATCH send POST with {@code X-HTTP-Method-Override: PATCH}. */
    @POST
    @Path("{id}")
    @Consumes("*/*")
    public Response override(@PathParam("id") String id, @HeaderParam("X-HTTP-Method-Override") String method,
            @HeaderParam("Tus-Resumable") String tus, @HeaderParam("Upload-Offset") String offset,
            @HeaderParam("Content-Type") String contentType, InputStream body)
            throws JobRefusal, UploadIncomplete, StorageFailure {
        if (method != null && method.equalsIgnoreCase("PATCH")) {
            return patch(id, tus, offset, contentType, body);
        }
        if (method != null && method.equalsIgnoreCase("DELETE")) {
            return terminate(id, tus);
        }
        return tus(Response.status(Response.Status.METHOD_NOT_ALLOWED)).build();
    }

    /**
     * Termination: an unfinished upload or job is cancelled and the uploaded bytes removed; a finished job is
     * deleted with everything stored for it.
     */
    @DELETE
    @Path("{id}")
    public Response terminate(@PathParam("id") String id, @HeaderParam("Tus-Resumable") String tus)
            throws StorageFailure {
        Response wrong = checkVersion(tus);
        if (wrong != null) {
            return wrong;
        }
        JobRecord r = find(id);
        if (r == null) {
            return tus(Response.status(Response.Status.NOT_FOUND)).build();
        }
        if (r.stage().isFinal()) {
            jobs.delete(id);
        } else {
            jobs.cancel(id);
        }
        return tus(Response.noContent()).build();
    }

    /** The upload, if it exists and the caller made it: another identity's upload is as unknown as none. */
    private JobRecord find(String id) {
        JobRecord r = JobService.isWellFormed(id) ? jobs.get(id) : null;
        return r != null && "tus".equals(r.source()) && Caller.owns(http, r.owner()) ? r : null;
    }

    private static boolean closed(JobRecord r) {
        return r.stage() == Stage.CANCELLED || (r.stage() == Stage.FAILED && r.uploadLength() != null
                && r.uploadOffset() < r.uploadLength());
    }

    private static Response checkVersion(String tus) {
        if (VERSION.equals(tus)) {
            return null;
        }
        return Response.status(Response.Status.PRECONDITION_FAILED).header("Tus-Version", VERSION)
                .header("Tus-Resumable", VERSION).type("application/json")
                .entity("{\"code\":\"tus_version_unsupported\",\"message\":\"Send Tus-Resumable: " + VERSION
                        + ".\"}").build();
    }

    private static Response.ResponseBuilder tus(Response.ResponseBuilder b) {
        return b.header("Tus-Resumable", VERSION);
    }

    private static long number(String header, String value) throws JobRefusal {
        try {
            long n = Long.parseLong(value == null ? "" : value.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new JobRefusal(400, "bad_request", header + " must be a whole number of bytes, 0 or more.");
    }

    /** Upload-Metadata: comma-separated {@code key base64value} pairs (the value may be absent). */
    static Map<String, String> metadata(String header) throws JobRefusal {
        Map<String, String> m = new HashMap<>();
        if (header == null || header.isBlank()) {
            return m;
        }
        for (String pair : header.split(",")) {
            String[] kv = pair.trim().split(" ", 2);
            if (kv[0].isEmpty()) {
                continue;
            }
            try {
                m.put(kv[0], kv.length > 1 ? new String(Base64.getDecoder().decode(kv[1].trim()),
                        StandardCharsets.UTF_8) : "");
            } catch (IllegalArgumentException e) {
                throw new JobRefusal(400, "bad_request", "Upload-Metadata value of " + kv[0] + " is not Base64.");
            }
        }
        return m;
    }
}
