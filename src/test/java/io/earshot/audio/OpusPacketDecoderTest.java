package io.earshot.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.jaredmdobson.concentus.OpusApplication;
import io.github.jaredmdobson.concentus.OpusEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The streaming Opus decoder: Concentus-encoded LibriVox speech decodes back to the source above a stated
 * signal-to-noise ratio, bad packets yield {@link BadAudioException} and nothing else, and the decoder goes on.
 */
class OpusPacketDecoderTest {

    static final String CLIP = "/audio/librivox/sense_and_sensibility_01_austen_64kb-0880.wav";

    static short[] decodeAll(PacketDecoder decoder, Signals.Collector sink, List<byte[]> packets) throws BadAudioException {
        for (byte[] p : packets) {
            decoder.decode(p, 0, p.length);
        }
        decoder.finish();
        return sink.samples();
    }

    /**
     * Thresholds come from measurement (Concentus 1.0.2 encoder, application AUDIO, complexity 10, on clip 0880):
     * waveform SNR 10.6 to 13.6 dB for wide band and above, 7.1 dB at 8 kHz; spectral SNR 12.1 to 13.8 dB, 9.5 dB
     * at 8 kHz. libopus's own encode and decode of the same clip at 32 kb/s measures 11.6 dB waveform SNR. At
     * 2.5 ms frames the Concentus encoder's output is delayed differently from its stated look-ahead, so that case
     * checks the spectrum only (13.4 dB). A decode misaligned by a single millisecond scores near 0 dB.
     */
    @ParameterizedTest(name = "{0} Hz, {1} ch, {2} ms, {3} b/s: waveform SNR >= {4} dB, spectral >= {5} dB")
    @CsvSource({
        "16000, 1, 20, 32000, 9, 10",
        "48000, 2, 20, 64000, 9, 10",
        "48000, 1, 60, 48000, 9, 10",
        "8000, 1, 10, 16000, 5, 7",
        "12000, 2, 40, 24000, 8, 10",
        "24000, 1, 2.5, 64000, -99, 10"
    })
    void concentusEncodedSpeechDecodesCloseToTheSource(int rate, int channels, double frameMs, int bitrate,
            double minSnr, double minSpectralSnr) throws Exception {
        short[] source = Signals.resourceWav16(CLIP);
        List<byte[]> packets = ConcentusEncoding.encode(source, rate, channels, frameMs, bitrate);
        Signals.Collector sink = new Signals.Collector();
        PacketDecoder decoder = AudioCodec.OPUS.newDecoder(rate, channels, sink);
        short[] decoded = decodeAll(decoder, sink, packets);

        int lag = ConcentusEncoding.lookahead16k(rate, channels);
        short[] aligned = Arrays.copyOfRange(decoded, lag, lag + source.length);
        double snr = Signals.snrDb(source, aligned);
        double spectral = Signals.spectralSnrDb(source, aligned);
        assertTrue(snr >= minSnr, "waveform SNR " + snr + " dB");
        assertTrue(spectral >= minSpectralSnr, "spectral SNR " + spectral + " dB");
        assertEquals(Math.round(packets.size() * frameMs * 16), decoded.length);
        assertEquals(decoded.length * 1_000_000L / 16_000, decoder.decodedMicros());
    }

    @Test
    void hybridModePacketsDecodeToSpeechNotSilence() throws Exception {
        // 48 kHz mono at 48 kb/s: Opus picks hybrid mode (SILK + CELT), which Concentus decodes to silence at
        // output rates below 48 kHz. Earshot decodes at 48 kHz and resamples, so the speech is there.
        short[] source = Signals.resourceWav16(CLIP);
        List<byte[]> packets = ConcentusEncoding.encode(source, 48_000, 1, 20, 48_000, OpusApplication.OPUS_APPLICATION_VOIP);
        assertEquals(io.github.jaredmdobson.concentus.OpusMode.MODE_HYBRID,
                io.github.jaredmdobson.concentus.OpusPacketInfo.getEncoderMode(packets.get(50), 0));
        Signals.Collector sink = new Signals.Collector();
        short[] decoded = decodeAll(AudioCodec.OPUS.newDecoder(48_000, 1, sink), sink, packets);
        assertEquals(Signals.rms(source, 0, source.length), Signals.rms(decoded, 0, decoded.length), 0.005);
    }

    @Test
    void aStereoPacketIsMixedDownToMono() throws Exception {
        double[] tone = Signals.sine(48_000, 440, 0.5, 48_000);
        short[] stereo = new short[2 * tone.length];
        short[] left = Signals.toShorts(tone);
        for (int i = 0; i < left.length; i++) {
            stereo[2 * i] = left[i];
        }
        OpusEncoder encoder = new OpusEncoder(48_000, 2, OpusApplication.OPUS_APPLICATION_AUDIO);
        encoder.setBitrate(96_000);
        Signals.Collector sink = new Signals.Collector();
        PacketDecoder decoder = AudioCodec.OPUS.newDecoder(48_000, 2, sink);
        byte[] out = new byte[4_000];
        for (int pos = 0; pos + 960 <= left.length; pos += 960) {
            int len = encoder.encode(stereo, pos * 2, 960, out, 0, out.length);
            decoder.decode(out, 0, len);
        }
        short[] mono = sink.samples();
        double level = Signals.rms(mono, 4_000, mono.length - 1_000);
        // Left at 0.5 peak, right silent: the mono mix is at 0.25 peak, an rms of 0.177.
        assertEquals(0.25 / Math.sqrt(2), level, 0.02);
    }

    @Test
    void structurallyInvalidPacketsAreBadAudioAndTheDecoderGoesOn() throws Exception {
        short[] source = Signals.resourceWav16(CLIP);
        List<byte[]> packets = ConcentusEncoding.encode(source, 16_000, 1, 20, 32_000);
        Signals.Collector sink = new Signals.Collector();
        PacketDecoder decoder = AudioCodec.OPUS.newDecoder(16_000, 1, sink);
        decoder.decode(packets.get(0), 0, packets.get(0).length);
        long before = decoder.decodedMicros();
        int samplesBefore = sink.size();

        // Code 3 (arbitrary frame count) with a count of 0 frames: invalid.
        assertThrows(BadAudioException.class, () -> decoder.decode(new byte[] {(byte) 0x0b, 0}, 0, 2));
        // 20 ms frames, code 3, 49 frames: 980 ms, more than 120 ms.
        assertThrows(BadAudioException.class, () -> decoder.decode(new byte[] {(byte) 0x0b, 49, 1, 2, 3}, 0, 5));
        assertThrows(BadAudioException.class, () -> decoder.decode(new byte[0], 0, 0));
        assertEquals(before, decoder.decodedMicros(), "invalid headers add no time: their duration is unknown");
        assertEquals(samplesBefore, sink.size());
        // Code 2 (two frames of different sizes) whose first frame claims more bytes than the packet has: the
        // TOC still gives 2 x 20 ms, which are filled with silence.
        BadAudioException e = assertThrows(BadAudioException.class,
                () -> decoder.decode(new byte[] {(byte) 0x0a, (byte) 250, 1, 2}, 0, 4));
        assertTrue(e.getMessage().contains("Opus"), e.getMessage());
        assertEquals(before + 40_000, decoder.decodedMicros());

        decoder.decode(packets.get(1), 0, packets.get(1).length);
        assertEquals(before + 60_000, decoder.decodedMicros());
        decoder.finish();
        assertEquals(320 * 4, sink.size());
    }

    @Test
    void aBadPacketWithAReadableDurationIsReplacedBySilenceOfThatDuration() throws Exception {
        // Code 1 (two frames of equal size) needs an even number of bytes after the TOC; 3 is invalid, yet the
        // TOC still says 2 x 20 ms.
        byte[] packet = {(byte) 0x09, 1, 2, 3};
        assertEquals(1_920, OpusPacketDecoder.statedDuration(packet, 0, packet.length));
        Signals.Collector sink = new Signals.Collector();
        PacketDecoder decoder = AudioCodec.OPUS.newDecoder(16_000, 1, sink);
        assertThrows(BadAudioException.class, () -> decoder.decode(packet, 0, packet.length));
        assertEquals(40_000, decoder.decodedMicros());
        decoder.finish();
        assertEquals(640, sink.size());
        for (short s : sink.samples()) {
            assertEquals(0, s);
        }
    }

    /**
     * A generated corpus: random bytes, real packets truncated, bit-flipped, with random ranges overwritten,
     * spliced and repeated. Every case either decodes or throws {@link BadAudioException}; nothing else gets
     * out, and a valid packet after each bad one decodes to its full length.
     */
    @Test
    void generatedCorpusNeverThrowsAnythingButBadAudio() throws Exception {
        short[] source = Signals.resourceWav16(CLIP);
        List<byte[]> valid = new ArrayList<>();
        valid.addAll(ConcentusEncoding.encode(source, 16_000, 1, 20, 32_000));
        valid.addAll(ConcentusEncoding.encode(source, 48_000, 2, 60, 64_000));
        valid.addAll(ConcentusEncoding.encode(source, 24_000, 1, 2.5, 64_000));
        byte[] probe = valid.get(10);
        Random random = new Random(20261123);
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 6_000; i++) {
                byte[] base = valid.get(random.nextInt(valid.size()));
                byte[] bad = mutate(base, valid, random, i % 6);
                Signals.Collector sink = new Signals.Collector();
                PacketDecoder decoder = AudioCodec.OPUS.newDecoder(48_000, 2, sink);
                try {
                    decoder.decode(bad, 0, bad.length);
                    outcomes[0]++;
                } catch (BadAudioException e) {
                    outcomes[1]++;
                }
                long before = decoder.decodedMicros();
                decoder.decode(probe, 0, probe.length);
                assertEquals(before + 20_000, decoder.decodedMicros(), "a valid packet after case " + i);
            }
        });
        assertEquals(6_000, outcomes[0] + outcomes[1]);
        assertTrue(outcomes[1] > 600, "bad_audio cases: " + outcomes[1]);
        assertTrue(outcomes[0] > 600, "decoded cases: " + outcomes[0]);
    }

    static byte[] mutate(byte[] base, List<byte[]> valid, Random random, int kind) {
        switch (kind) {
            case 0: {
                byte[] b = new byte[1 + random.nextInt(1_500)];
                random.nextBytes(b);
                return b;
            }
            case 1:
                return Arrays.copyOf(base, 1 + random.nextInt(base.length));
            case 2: {
                byte[] b = base.clone();
                for (int k = 0; k < 1 + random.nextInt(8); k++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return b;
            }
            case 3: {
                byte[] b = base.clone();
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + random.nextInt(32));
                for (int k = from; k < to; k++) {
                    b[k] = (byte) random.nextInt(256);
                }
                return b;
            }
            case 4: {
                // The table of contents of one packet on the body of another: wrong mode, size or frame count.
                byte[] other = valid.get(random.nextInt(valid.size()));
                byte[] b = other.clone();
                b[0] = (byte) random.nextInt(256);
                return b;
            }
            default: {
                byte[] other = valid.get(random.nextInt(valid.size()));
                byte[] b = Arrays.copyOf(base, base.length + other.length);
                System.arraycopy(other, 0, b, base.length, other.length);
                return b;
            }
        }
    }
}
