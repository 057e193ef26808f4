/**
 * The default engine, CMU Sphinx4 5prealpha with its US English model: recognition, forced alignment and speaker
 * diarization. Nothing outside this package names a Sphinx4 class.
 */
package io.earshot.engine.sphinx4;
