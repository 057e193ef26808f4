package io.earshot.stream;

import io.earshot.api.ApiError;
import io.earshot.api.Credential;
import io.earshot.jobs.JobRecord;
import io.earshot.jobs.JobRefusal;
import io.earshot.jobs.JobResource;
import io.earshot.security.Access;
import io.earshot.spool.SessionManifest;
import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /v1/sessions/{id}/job}: the stream-to-job hand-off by HTTP, for a client whose stream cannot go
 * on. The session's stored audio becomes a job (the session ends, if it had not); with {@code tail=true} (the
 * default) the job then waits for the chunks the client kept because they were never acknowledged, uploaded to
 * {@code POST /v1/jobs/{id}/tail} from the job's {@code next_seq}. A session has one job: asking again returns
 * it (200 instead of 201). Credential: the session's resume token in {@code Earshot-Session-Token}.
 */
@Credential(Access.SCOPE_STREAM)
@Path("sessions/{id}/job")
public class SessionJobResource {

    private static final Logger LOG = Logger.getLogger(SessionJobResource.class.getName());

    @Inject
    SessionRegistry registry;

    /** The request, for its caller ({@link io.earshot.api.Caller}). */
    @jakarta.ws.rs.core.Context
    jakarta.servlet.http.HttpServletRequest http;

    @POST
    public Response handOff(@PathParam("id") String id,
            @HeaderParam(SessionAudioResource.TOKEN_HEADER) String token, @QueryParam("tail") String tail,
            @QueryParam("align") String align, @QueryParam("diarize") String diarize) throws JobRefusal {
        if (token == null || token.isBlank()) {
            return SessionAudioResource.tokenRequired();
        }
        try {
            boolean awaitTail = JobResource.flag("tail", tail);
            boolean doAlign = JobResource.flag("align", align);
            boolean doDiarize = JobResource.flag("diarize", diarize);
            SessionManifest meta = SessionAudioResource.admitted(registry.store(), id, token,
                    io.earshot.api.Caller.name(http));
            if (meta == null) {
                return ApiError.response(Response.Status.NOT_FOUND, "session_not_found",
                        "No session with this id and token is stored on this server.");
            }
            JobRecord before = registry.jobs().jobOfSession(id);
            StreamSession live = registry.held(id);
            JobRecord job;
            if (live != null && live.tokenMatches(token)) {
                job = live.handOff("handed_off", awaitTail, doAlign, doDiarize);
            } else {
                // Not in memory (ended long ago, or before a restart): what the store holds is the session.
                long chunks = registry.store().readChunks(id, Long.MAX_VALUE, (seq, data, n) -> { });
                job = registry.jobs().createFromSession(id, meta.codec(), chunks, awaitTail, doAlign,
                        doDiarize, io.earshot.api.Caller.name(http));
            }
            Response.ResponseBuilder b = before != null ? Response.ok() : Response.created(URI.create(
                    JobRecord.link("jobs/" + job.id())));
            return b.entity(io.earshot.protocol.Json.write(job.toJson())).type("application/json")
                    .header("ETag", job.etag()).header("Cache-Control", "no-store").build();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot hand session " + id + " off to a job", e);
            return ApiError.response(Response.Status.INTERNAL_SERVER_ERROR, "storage_failed",
                    "The session's stored audio cannot be handed to a job right now.");
        }
    }
}
