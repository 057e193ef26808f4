package io.earshot.api;

import io.earshot.security.Access;
import jakarta.annotation.Priority;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.List;

/**
 * Authentication of every REST request under {@code /v1} but {@code GET /v1/status} and {@code OPTIONS}
 * (discovery): {@code Authorization: Bearer <API key or token>}, or a token as the {@code access_token} query
 * parameter. Missing or bad credentials get 401 {@code unauthorized} with {@code WWW-Authenticate: Bearer}; a
 * token without the scope of the resource matched ({@code jobs} for jobs and uploads, {@code stream} for
 * sessions) gets 403 {@code forbidden}; {@code POST /v1/tokens} takes an API key only. What a resource takes is
 * its {@link Credential} annotation, read from the resource class the request was routed to, never from the
 * path's text (which can carry matrix parameters); a resource without one is refused. Refused credentials count
 * against the caller's network address ({@link Access#refused}); beyond that budget the answer is 429
 * {@code rate_limited}. The identity found is kept
 * for the resource ({@link Caller}).
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthFilter implements ContainerRequestFilter {

    @Context
    HttpServletRequest servletRequest;

    @Context
    ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext request) {
        Class<?> matched = resource.getResourceClass();
        Credential taken = matched == null ? null : matched.getAnnotation(Credential.class);
        if (request.getMethod().equals(HttpMethod.OPTIONS) || taken != null && taken.value().equals(Credential.NONE)) {
            return;
        }
        if (taken == null) {
            request.abortWith(ApiError.response(Response.Status.FORBIDDEN, "forbidden",
                    "This resource is not open to any credential."));
            return;
        }
        boolean apiKeyOnly = taken.value().equals(Credential.API_KEY);
        String scope = apiKeyOnly ? null : taken.value(); // an API key is checked below
        Access access = Access.current();
        Access.Outcome outcome = access.check(request.getHeaderString("Authorization"),
                request.getUriInfo().getQueryParameters().getFirst(Access.TOKEN_PARAM), List.of(), scope);
        if (outcome instanceof Access.Allowed allowed) {
            if (apiKeyOnly && allowed.who().viaToken()) {
                request.abortWith(ApiError.response(Response.Status.FORBIDDEN, "forbidden",
                        "Tokens are minted with an API key (Authorization: Bearer <API key>), not with a token."));
                return;
            }
            servletRequest.setAttribute(Caller.ATTRIBUTE, allowed.who());
            return;
        }
        Access.Denied denied = (Access.Denied) outcome;
        if (denied.unauthorized()) {
            long wait = access.refused(servletRequest.getRemoteAddr());
            if (wait > 0) {
                request.abortWith(ApiError.builder(Response.Status.TOO_MANY_REQUESTS, "rate_limited",
                        "Too many requests with refused credentials from this address; try again later.")
                        .header("Retry-After", Math.max(1, (wait + 999) / 1000)).build());
                return;
            }
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
