package io.earshot.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.earshot.protocol.Json;
import io.earshot.security.Access;
import io.earshot.security.Authenticator;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code POST /v1/tokens}: a short-lived token for a browser, minted by a server holding an API key. Body
 * (optional): {@code {"scopes": ["stream", "jobs"], "ttl_s": 600}}; defaults: both scopes and
 * {@code earshot.auth.token-ttl-s}. The token names the key's identity, so sessions and jobs made with it belong
 * to that identity.
 */
@Credential(Credential.API_KEY)
@Path("tokens")
public class TokenResource {

    private static final int MAX_BODY = 4_096;

    @Context
    HttpServletRequest request;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response mint(java.io.InputStream in) throws java.io.IOException {
        byte[] raw = in.readNBytes(MAX_BODY + 1);
        String body = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
        Authenticator.Identity who = Caller.of(request);
        if (who == null || who.viaToken()) {
            return ApiError.response(Response.Status.FORBIDDEN, "forbidden",
                    "Tokens are minted with an API key (Authorization: Bearer <API key>), not with a token.");
        }
        Access access = Access.current();
        Set<String> scopes = new TreeSet<>(Authenticator.SCOPES);
        Long ttl = null;
        if (body != null && !body.isBlank()) {
            if (raw.length > MAX_BODY) {
                return bad("The body must be at most " + MAX_BODY + " bytes of JSON.");
            }
            JsonNode n;
            try {
                n = Json.mapper().readTree(body);
            } catch (java.io.IOException e) {
                return bad("The body must be JSON: {\"scopes\": [\"stream\", \"jobs\"], \"ttl_s\": 600}.");
            }
            if (!n.isObject()) {
                return bad("The body must be a JSON object.");
            }
            if (n.has("scopes")) {
                if (!n.get("scopes").isArray() || n.get("scopes").isEmpty()) {
                    return bad("scopes must be a non-empty list of \"stream\" and \"jobs\".");
                }
                scopes.clear();
                for (JsonNode s : n.get("scopes")) {
                    if (!s.isTextual() || !Authenticator.SCOPES.contains(s.asText())) {
                        return bad("scopes must be a non-empty list of \"stream\" and \"jobs\".");
                    }
                    scopes.add(s.asText());
                }
            }
            if (n.has("ttl_s")) {
                if (!n.get("ttl_s").canConvertToLong() || !n.get("ttl_s").isIntegralNumber()) {
                    return bad("ttl_s must be a whole number of seconds.");
                }
                ttl = n.get("ttl_s").asLong();
            }
        }
        long ttlS = access.ttlFor(ttl);
        if (ttlS < 10 || ttlS > access.maxTtlS()) {
            return bad("ttl_s must be between 10 and " + access.maxTtlS() + " (earshot.auth.token-max-ttl-s).");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Access.Minted minted = access.mint(who, scopes, ttlS);
        m.put("token", minted.token());
        m.put("token_type", "Bearer");
        m.put("identity", who.name());
        m.put("scopes", scopes);
        m.put("ttl_s", ttlS);
        m.put("expires_at", minted.expiresAt().toString());
        return Response.ok(Json.write(m), MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "no-store")
                .build();
    }

    private static Response bad(String message) {
        return ApiError.response(Response.Status.BAD_REQUEST, "bad_request", message);
    }
}
