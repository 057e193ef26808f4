package io.earshot.jobs;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;

/** Adds {@code Tus-Resumable} to every answer of the tus resource, as the tus protocol asks. */
@Provider
@TusResumable
public class TusResumableFilter implements ContainerResponseFilter {

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        response.getHeaders().putSingle("Tus-Resumable", TusResource.VERSION);
    }
}
