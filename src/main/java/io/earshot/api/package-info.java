/**
 * REST plumbing under {@code /v1}: the JAX-RS application, authentication of every request ({@link
 * io.earshot.api.AuthFilter}, driven by each resource's {@link io.earshot.api.Credential}), who a request comes
 * from ({@link io.earshot.api.Caller}), the error body ({@link io.earshot.api.ApiError}), and {@code POST
 * /v1/tokens}. It imports no feature's resource: features import it.
 */
package io.earshot.api;
