package io.earshot.jobs;

/** The CDI event fired (asynchronously) after every change of a job's record has been persisted. */
public record JobChanged(JobRecord record) {
}
