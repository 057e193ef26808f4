/**
 * Transcription jobs: admission against the bounds, uploads (one request, or tus), streams handed off with
 * their tails, the queue and its workers on the jobs' {@code ManagedExecutorService}, the stages of a job's work,
 * retention and recovery after a restart, and everyone following a job (WebSocket subscribers and long polls).
 *
 * <p>{@link io.earshot.jobs.JobLedger} is the one place a job's record changes: it persists the record through
 * {@link io.earshot.jobs.JobStore} first, then fires {@link io.earshot.jobs.JobChanged}, which
 * {@link io.earshot.jobs.JobWatchers} pushes to subscribers and long-pollers. {@code JobStore} owns every byte of a
 * job (records, uploads, tails, decoded audio, transcripts); {@link io.earshot.jobs.FileJobStore} keeps them in one
 * directory per job. Requests are refused by checked exceptions ({@link io.earshot.jobs.JobRefusal},
 * {@link io.earshot.jobs.UploadIncomplete}, {@link io.earshot.jobs.StorageFailure}) that one
 * {@code ExceptionMapper} each turns into the error bodies of docs/api/jobs.md.
 *
 * <p>Locks: each job's record changes under its own monitor in the ledger; the queue's waiting and running jobs
 * under the queue's lock; admission counts under the admission's monitor; one hand-off at a time under
 * {@code SessionHandOffs}' monitor; one upload request per job through {@link io.earshot.jobs.UploadClaims}, which
 * refuses rather than waits.
 */
package io.earshot.jobs;
