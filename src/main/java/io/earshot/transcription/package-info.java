/**
 * The transcription pipeline between the audio and an engine: the server's engine and its threads ({@link
 * io.earshot.transcription.EngineService}), the circuit breaker around it, the segmenter that cuts a live stream
 * into utterances, and the live and batch transcribers that sessions and jobs use.
 */
package io.earshot.transcription;
