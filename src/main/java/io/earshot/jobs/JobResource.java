package io.earshot.jobs;

import io.earshot.api.ApiError;
import io.earshot.api.Caller;
import io.earshot.api.Credential;
import io.earshot.protocol.Json;
import io.earshot.security.Access;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code /v1/jobs}: submit a recording in one request, follow the job by polling (with {@code ETag} and a
 * bounded long-poll), fetch the transcript in four formats, cancel or delete. The contract is
 * docs/api/jobs.md.
 */
@Credential(Access.SCOPE_JOBS)
@Path("jobs")
public class JobResource {

    @Inject
    JobService jobs;

    @Inject
    JobWatchers watchers;

    /** The request, for its caller ({@link Caller}). */
    @Context
    HttpServletRequest http;

    @POST
    @Consumes("*/*")
    public Response create(InputStream raw, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @QueryParam("align") String align, @QueryParam("diarize") String diarize,
            @QueryParam("filename") String filename) throws JobRefusal, UploadIncomplete, StorageFailure {
        InputStream body = jobs.metered(raw, Caller.limitKey(http));
        boolean doAlign = flag("align", align);
        boolean doDiarize = flag("diarize", diarize);
        JobRecord r;
        String boundary = contentType != null && contentType.toLowerCase(Locale.ROOT)
                .startsWith("multipart/form-data") ? MultipartReader.boundary(contentType) : null;
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            if (boundary == null) {
                throw new JobRefusal(400, "bad_request", "A multipart upload must be multipart/form-data "
                        + "with a boundary.");
            }
            r = createFromForm(new MultipartReader(body, boundary), doAlign, doDiarize);
        } else {
            r = jobs.createFromUpload(body, contentType, clean(filename), doAlign, doDiarize, Caller.name(http));
        }
        return record(Response.accepted(), r).location(URI.create(JobRecord.link("jobs/" + r.id()))).build();
    }

    /** Fields {@code align} and {@code diarize} (before the file), then the part named {@code file}. */
    private JobRecord createFromForm(MultipartReader form, boolean align, boolean diarize)
            throws JobRefusal, UploadIncomplete, StorageFailure {
        boolean[] options = {align, diarize};
        MultipartReader.Part file = fileOf(form, options);
        return jobs.createFromUpload(file.body(), file.contentType(), clean(file.filename()), options[0],
                options[1], Caller.name(http));
    }

    /** Reads the form up to its part named {@code file}, setting {@code options} (align, diarize) from the fields. */
    private static MultipartReader.Part fileOf(MultipartReader form, boolean[] options)
            throws JobRefusal, UploadIncomplete {
        try {
            MultipartReader.Part part;
            while ((part = form.next()) != null) {
                String name = part.name();
                if ("align".equals(name) || "diarize".equals(name)) {
                    String v = new String(part.body().readNBytes(16), StandardCharsets.UTF_8).trim();
                    options["align".equals(name) ? 0 : 1] = flag(name, v);
                } else if ("file".equals(name)) {
                    return part;
                }
            }
        } catch (MultipartReader.MalformedException e) {
            throw e.refusal();
        } catch (IOException e) {
            throw new UploadIncomplete("The upload broke off before its end; nothing was kept. For large files use "
                    + "the resumable upload.", -1, e);
        }
        throw new JobRefusal(400, "bad_request", "The form has no part named \"file\".");
    }

    @GET
    @Path("{id}")
    public void get(@PathParam("id") String id, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
            @QueryParam("wait") String wait, @Suspended AsyncResponse async) {
        JobRecord r = find(id);
        if (r == null) {
            async.resume(notFound());
            return;
        }
        long waitSeconds;
        try {
            waitSeconds = wait == null ? 0 : Long.parseLong(wait.trim());
            if (waitSeconds < 0) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            async.resume(ApiError.response(Response.Status.BAD_REQUEST, "bad_request",
                    "wait must be a whole number of seconds, 0 or more."));
            return;
        }
        waitSeconds = Math.min(waitSeconds, jobs.config().jobsMaxWaitS);
        boolean unchanged = ifNoneMatch != null && matches(ifNoneMatch, r.etag());
        if (!unchanged || waitSeconds == 0 || r.stage().isFinal()) {
            async.resume(unchanged ? notModified(r) : record(Response.ok(), r).build());
            return;
        }
        async.setTimeout(waitSeconds, TimeUnit.SECONDS);
        LongPoll poll = new LongPoll(jobs::get, watchers, id, r.etag(), answer -> async.resume(
                answer.record() == null ? notFound() : answer.changed() ? record(Response.ok(), answer.record()).build()
                        : notModified(answer.record())));
        async.setTimeoutHandler(a -> poll.timedOut());
        if (!poll.start()) {
            async.resume(notModified(r));
        }
    }

    @GET
    @Path("{id}/transcript")
    public Response transcript(@PathParam("id") String id, @QueryParam("format") String format,
            @HeaderParam(HttpHeaders.ACCEPT) String accept) throws StorageFailure {
        JobRecord r = find(id);
        if (r == null) {
            return notFound();
        }
        String f = format != null ? format.trim().toLowerCase(Locale.ROOT) : fromAccept(accept);
        if (f == null) {
            return ApiError.response(Response.Status.BAD_REQUEST, "bad_request",
                    "format must be json, text, vtt or srt.");
        }
        if (r.stage() != Stage.COMPLETE) {
            return ApiError.builder(Response.Status.CONFLICT, "job_not_complete", "The job is " + r.stage()
                    .wireName() + "; its transcript is ready once it is complete.").header("ETag", r.etag())
                    .build();
        }
        Transcript t = jobs.transcript(id);
        String body;
        String type;
        String ext;
        switch (f) {
            case "text" -> {
                body = t.plainText();
                type = "text/plain; charset=utf-8";
                ext = "txt";
            }
            case "vtt" -> {
                body = t.webVtt();
                type = "text/vtt; charset=utf-8";
                ext = "vtt";
            }
            case "srt" -> {
                body = t.srt();
                type = "application/x-subrip; charset=utf-8";
                ext = "srt";
            }
            default -> {
                body = Json.write(t.toJson());
                type = "application/json";
                ext = "json";
            }
        }
        return Response.ok(body).type(type).header("Cache-Control", "no-cache").header("ETag", r.etag())
                .header("Content-Disposition", "inline; filename=\"" + id + "." + ext + "\"").build();
    }

    /**
     * A handed-off session's tail: the stream's binary frames the client kept, each after its length (4 bytes,
     * big-endian). {@code done=false} keeps the job waiting for more; by default it is queued afterwards.
     */
    @POST
    @Path("{id}/tail")
    @Consumes("*/*")
    public Response tail(@PathParam("id") String id, @QueryParam("done") String done, InputStream body)
            throws JobRefusal, UploadIncomplete {
        if (find(id) == null) {
            return notFound();
        }
        JobRecord r = jobs.appendTail(id, jobs.metered(body, Caller.limitKey(http)), flag("done", done),
                jobs.config().maxBinaryPayload);
        return record(Response.ok(), r).build();
    }

    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) throws StorageFailure {
        JobRecord r = find(id);
        if (r == null) {
            return notFound();
        }
        if (r.stage().isFinal() && jobs.delete(id)) {
            return Response.noContent().build();
        }
        JobRecord cancelled = jobs.cancel(id);
        return cancelled == null ? notFound() : record(Response.ok(), cancelled).build();
    }

    // ---- helpers ----

    /** The job, if it exists and the caller made it: another identity's job is as unknown as a missing one. */
    private JobRecord find(String id) {
        JobRecord r = JobService.isWellFormed(id) ? jobs.get(id) : null;
        return r != null && Caller.owns(http, r.owner()) ? r : null;
    }

    static Response.ResponseBuilder record(Response.ResponseBuilder b, JobRecord r) {
        return b.entity(Json.write(r.toJson())).type("application/json").header("ETag", r.etag())
                .header("Cache-Control", "no-cache");
    }

    private static Response notModified(JobRecord r) {
        return Response.notModified().header("ETag", r.etag()).header("Cache-Control", "no-cache").build();
    }

    static Response notFound() {
        return ApiError.response(Response.Status.NOT_FOUND, "job_not_found",
                "No job with this id is stored on this server.");
    }

    /** An {@code If-None-Match} list containing the tag (or {@code *}); weak tags compare by their value. */
    static boolean matches(String ifNoneMatch, String etag) {
        for (String t : ifNoneMatch.split(",")) {
            String tag = t.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static String fromAccept(String accept) {
        if (accept == null || accept.isBlank() || accept.contains("application/json") || accept.contains("*/*")) {
            return "json";
        }
        if (accept.contains("text/vtt")) {
            return "vtt";
        }
        if (accept.contains("application/x-subrip") || accept.contains("text/srt")) {
            return "srt";
        }
        if (accept.contains("text/plain")) {
            return "text";
        }
        return "json";
    }

    public static boolean flag(String name, String value) throws JobRefusal {
        if (value == null || value.isBlank()) {
            return true;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new JobRefusal(400, "bad_request", name + " must be true or false.");
        };
    }

    /** A file name for information only: no path, at most 255 characters of printable text. */
    static String clean(String filename) {
        if (filename == null || filename.isBlank()) {
            return null;
        }
        String base = filename.substring(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
        base = base.replaceAll("[\\p{Cc}\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]", "").strip();
        int cut = Math.min(255, base.length());
        if (cut < base.length() && Character.isHighSurrogate(base.charAt(cut - 1))) {
            cut--;
        }
        return base.isEmpty() ? null : base.substring(0, cut);
    }
}
