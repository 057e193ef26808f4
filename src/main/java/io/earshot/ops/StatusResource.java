package io.earshot.ops;

import io.earshot.api.Credential;
import io.earshot.jobs.JobService;
import io.earshot.protocol.Json;
import io.earshot.stream.SessionRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /v1/status}: how many connections, sessions and jobs the server holds right now. */
@Credential(Credential.NONE)
@Path("status")
public class StatusResource {

    @Inject
    SessionRegistry registry;

    @Inject
    JobService jobs;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String status() {
        Map<String, Object> m = new LinkedHashMap<>(registry.status());
        m.put("jobs", jobs.status());
        m.put("auth", io.earshot.security.Access.current().required() ? "keys" : "none");
        return Json.write(m);
    }
}
