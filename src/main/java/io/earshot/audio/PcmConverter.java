package io.earshot.audio;

/**
 * Turns interleaved PCM of one stream (any supported rate, one or two channels) into the engine's format:
 * channels averaged to mono, then band-limited resampling to 16 kHz, then rounding with clipping to 16 bits.
 * At 16 kHz no resampler runs, so 16 kHz mono 16-bit input comes out bit for bit. Holds per-stream state;
 * call {@link #finish} once at the end of the stream to flush the resampler.
 */
public final class PcmConverter {

    private static final float FROM_S16 = 1f / 32768f;

    private final int channels;
    private final Resampler resampler;
    private final PcmSink sink;
    private float[] mono = new float[0];
    private float[] resampled;
    private short[] pcm = new short[0];
    private long inputFrames;
    private long outputSamples;
    private boolean finished;

    public PcmConverter(int sampleRate, int channels, PcmSink sink) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be at least 1");
        }
        this.channels = channels;
        this.resampler = sampleRate == EngineFormat.SAMPLE_RATE ? null
                : new Resampler(sampleRate, EngineFormat.SAMPLE_RATE);
        this.sink = sink;
    }

    /** Interleaved signed 16-bit little-endian samples; {@code length} must hold whole sample frames. */
    public void acceptS16le(byte[] data, int offset, int length) {
        int frames = length / (2 * channels);
        float[] m = monoBuffer(frames);
        int p = offset;
        for (int f = 0; f < frames; f++) {
            int sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += (short) ((data[p] & 0xff) | (data[p + 1] << 8));
                p += 2;
            }
            m[f] = sum * FROM_S16 / channels;
        }
        push(m, frames);
    }

    /** Interleaved signed 16-bit samples. */
    public void acceptShorts(short[] data, int offset, int frames) {
        float[] m = monoBuffer(frames);
        int p = offset;
        for (int f = 0; f < frames; f++) {
            int sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += data[p++];
            }
            m[f] = sum * FROM_S16 / channels;
        }
        push(m, frames);
    }

    /** Interleaved samples scaled to [-1, 1] (values beyond are clipped at the output). */
    public void acceptFloats(float[] data, int offset, int frames) {
        float[] m = monoBuffer(frames);
        int p = offset;
        for (int f = 0; f < frames; f++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += data[p++];
            }
            m[f] = sum / channels;
        }
        push(m, frames);
    }

    /** Flushes the resampler's tail. Further input is refused. */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (resampler != null) {
            resampled = resampler.finish(resampled);
            emit(resampled, resampler.lastCount());
        }
    }

    /** Sample frames accepted so far, at the input rate. */
    public long inputFrames() {
        return inputFrames;
    }

    /** Engine-format samples handed to the sink so far. */
    public long outputSamples() {
        return outputSamples;
    }

    private float[] monoBuffer(int frames) {
        if (finished) {
            throw new IllegalStateException("converter already finished");
        }
        if (mono.length < frames) {
            mono = new float[frames];
        }
        return mono;
    }

    private void push(float[] m, int frames) {
        inputFrames += frames;
        if (resampler == null) {
            emit(m, frames);
        } else {
            resampled = resampler.process(m, 0, frames, resampled);
            emit(resampled, resampler.lastCount());
        }
    }

    private void emit(float[] samples, int count) {
        if (count == 0) {
            return;
        }
        if (pcm.length < count) {
            pcm = new short[count];
        }
        for (int i = 0; i < count; i++) {
            float v = samples[i] * 32768f;
            pcm[i] = v >= 32767f ? Short.MAX_VALUE : v <= -32768f ? Short.MIN_VALUE : (short) Math.round(v);
        }
        outputSamples += count;
        sink.accept(pcm, 0, count);
    }
}
