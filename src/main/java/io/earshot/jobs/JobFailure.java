package io.earshot.jobs;

/**
 * Why a job failed: a stable code for programs, a message for the people using them, the technical detail
 * for whoever investigates (what was found where: never a stack trace or a server path), and whether
 * submitting the same audio again can succeed.
 */
public record JobFailure(String code, String message, String detail, boolean retryable) {
}
