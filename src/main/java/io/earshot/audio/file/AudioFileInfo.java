package io.earshot.audio.file;

/**
 * What a reader found in a file it decoded completely, for the upload's response and logs.
 *
 * @param container      {@code wav}, {@code ogg_opus}, {@code webm_opus} (WebM or Matroska) or {@code raw}
 * @param codec          the sample encoding: {@code pcm_u8}, {@code pcm_s16le}, {@code pcm_s16be},
 *                       {@code pcm_s24le}, {@code pcm_s32le}, {@code pcm_f32le}, {@code pcm_f64le} or {@code opus}
 * @param sampleRate     the file's sample rate; for Opus, the encoder's input rate from the header (48000 if
 *                       the header gives none), which is informational: Opus always codes at 48 kHz
 * @param channels       the file's channel count (the output is always mono)
 * @param durationMicros duration of the audio decoded, in microseconds; for Opus after pre-skip and end
 *                       trimming (an Ogg stream's last granule position, WebM's DiscardPadding)
 * @param outputSamples  16 kHz mono samples handed to the sink
 */
public record AudioFileInfo(String container, String codec, int sampleRate, int channels, long durationMicros,
        long outputSamples) {

    public static final String WAV = "wav";
    public static final String OGG_OPUS = "ogg_opus";
    public static final String WEBM_OPUS = "webm_opus";
    public static final String RAW = "raw";
}
