/**
 * The events Earshot counts (chunks stored, ack latency, resumes, errors), reported by the features to whatever
 * metrics sink is plugged in ({@code ops.EarshotMetrics} on a server with MicroProfile Metrics).
 */
package io.earshot.telemetry;
