/**
 * Decoding of streamed audio: each chunk of a stream, Opus (Concentus) or PCM at any supported rate, turned into
 * the engine's format (16 kHz, mono, signed 16-bit) by a per-stream {@link io.earshot.audio.PacketDecoder}, and the
 * band-limited resampler behind it.
 */
package io.earshot.audio;
