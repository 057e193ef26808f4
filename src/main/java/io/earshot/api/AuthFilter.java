package io.earshot.api;

import io.earshot.security.Access;
import jakarta.annotation.Priority;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.List;

/**
 * Authentication of every REST request under {@code /v1} but {@code GET /v1/status} and {@code OPTIONS}
 * (discovery): {@code Authorization: Bearer <API key or token>}, or a token as the {@code access_token} query
 * parameter. Missing or bad credentials get 401 {@code unauthorized} with {@code WWW-Authenticate: Bearer}; a
 * token without the path's scope ({@code jobs} for jobs and uploads, {@code stream} for sessions) gets 403
 * {@code forbidden}. The identity found is kept for the resource ({@link Caller}).
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthFilter implements ContainerRequestFilter {

    @Context
    HttpServletRequest servletRequest;

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        String first = path.contains("/") ? path.substring(0, path.indexOf('/')) : path;
        if (request.getMethod().equals(HttpMethod.OPTIONS) || first.equals("status")) {
            return;
        }
        String scope = switch (first) {
            case "jobs", "uploads" -> Access.SCOPE_JOBS;
            case "sessions" -> Access.SCOPE_STREAM;
            default -> null; // tokens: any valid API key (checked by the resource); unknown paths: 404 after this
        };
        Access.Outcome outcome = Access.current().check(request.getHeaderString("Authorization"),
                request.getUriInfo().getQueryParameters().getFirst(Access.TOKEN_PARAM), List.of(), scope);
        if (outcome instanceof Access.Allowed allowed) {
            servletRequest.setAttribute(Caller.ATTRIBUTE, allowed.who());
            return;
        }
        Access.Denied denied = (Access.Denied) outcome;
        if (denied.unauthorized()) {
            boolean presented = request.getHeaderString("Authorization") != null
                    || request.getUriInfo().getQueryParameters().containsKey(Access.TOKEN_PARAM);
            request.abortWith(ApiError.builder(Response.Status.UNAUTHORIZED, denied.code(), denied.message())
                    .header("WWW-Authenticate", "Bearer realm=\"earshot\"" + (presented ? ", error=\"invalid_token\""
                            : "")).build());
        } else {
            request.abortWith(ApiError.builder(Response.Status.FORBIDDEN, denied.code(), denied.message())
                    .header("WWW-Authenticate", "Bearer realm=\"earshot\", error=\"insufficient_scope\", scope=\""
                            + scope + "\"").build());
        }
    }
}
