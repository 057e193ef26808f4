package io.earshot.stream;

import io.earshot.protocol.Json;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /v1/status}: how many connections and sessions the server holds right now. */
@Path("status")
public class StatusResource {

    @Inject
    SessionRegistry registry;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String status() {
        return Json.write(registry.status());
    }
}
