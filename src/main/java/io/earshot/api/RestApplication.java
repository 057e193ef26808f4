package io.earshot.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The REST API, under {@code /v1} beside the streaming endpoint {@code /v1/stream}. */
@ApplicationPath("/v1")
public class RestApplication extends Application {
}
