package io.earshot.api;

import io.earshot.protocol.Json;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of every REST error: {@code {"code": "...", "message": "..."}}, a stable code for programs and a
 * sentence for people. Never a stack trace or a server path.
 */
public final class ApiError {

    private ApiError() {
    }

    public static Response response(Response.Status status, String code, String message) {
        return builder(status, code, message).build();
    }

    public static Response.ResponseBuilder builder(Response.Status status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "no-store")
                .entity(Json.write(body));
    }
}
