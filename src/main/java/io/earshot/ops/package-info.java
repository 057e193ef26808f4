/**
 * Operations: {@code GET /v1/status}, the MicroProfile health checks and the MicroProfile metrics. It reads the
 * state of the features (sessions, engine, jobs); no feature imports it.
 */
package io.earshot.ops;
