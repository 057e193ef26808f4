/**
 * Readers of uploaded audio files (WAV, Ogg Opus, WebM Opus, raw L16), each decoding a file as it streams in, with
 * errors that name what was wrong and where; {@link io.earshot.audio.file.AudioFiles} picks the reader.
 */
package io.earshot.audio.file;
