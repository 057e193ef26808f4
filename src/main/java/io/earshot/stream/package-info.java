/**
 * Live streaming, protocol {@code earshot.v1} on {@code /v1/stream}: the endpoint and its connections, the sessions
 * that outlive them, and the REST resources that serve a session's stored audio and hand it off to a job.
 *
 * <p>Owns the session rules of {@code docs/api/streaming.md}: {@link io.earshot.stream.SessionState} (phase and
 * limits), {@link io.earshot.stream.SequenceTracker} (order, duplicates, window), {@link io.earshot.stream.AudioIntake}
 * (decoding), {@link io.earshot.stream.EventDelivery} (journal, hold, replay), {@link io.earshot.stream.FlowControl},
 * composed by {@link io.earshot.stream.StreamSession}; {@link io.earshot.stream.Outbound} is each connection's one
 * writer. Storage is {@link io.earshot.spool.SessionStore}'s; this package never touches a file.
 */
package io.earshot.stream;
