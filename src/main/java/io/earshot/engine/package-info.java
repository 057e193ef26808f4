/**
 * What a speech recognizer is to Earshot: the {@link io.earshot.engine.TranscriptionEngine} interface an engine
 * implements (recognition, alignment, speaker turns) and the values it returns. Implementations live in packages
 * of their own ({@code engine.sphinx4}); the pipeline that feeds engines is {@code io.earshot.transcription}.
 */
package io.earshot.engine;
