package io.earshot.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The length promised before decoding must be the length decoding produces, for every codec, rate and
 * channel count, for chunk sizes that do not divide the resampling ratio, and for chunks that fail to decode.
 */
class DecodedLengthTest {

    @Test
    void pcmAtEveryRateAndChannelCountDecodesToTheCountedLength() {
        Random random = new Random(7);
        for (int rate : AudioCodec.PCM_S16LE.sampleRates()) {
            for (int channels : AudioCodec.CHANNELS) {
                List<byte[]> chunks = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    // Mostly whole frames of odd counts; now and then a chunk that is not whole frames.
                    int frames = 1 + random.nextInt(997);
                    byte[] b = new byte[frames * 2 * channels + (i % 13 == 12 ? 1 : 0)];
                    random.nextBytes(b);
                    chunks.add(b);
                }
                assertCountMatches(AudioCodec.PCM_S16LE, rate, channels, chunks);
            }
        }
    }

    @Test
    void opusIncludingDamagedPacketsDecodesToTheCountedLength() throws Exception {
        short[] clip = Signals.resourceWav16(OpusPacketDecoderTest.CLIP);
        Random random = new Random(11);
        for (int rate : AudioCodec.OPUS.sampleRates()) {
            List<byte[]> valid = ConcentusEncoding.encode(java.util.Arrays.copyOf(clip, 16_000), rate,
                    rate == 48_000 ? 2 : 1, rate == 8_000 ? 10 : 20, 24_000);
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < valid.size(); i++) {
                chunks.add(i % 5 == 4 ? OpusPacketDecoderTest.mutate(valid.get(i), valid, random, i % 6)
                        : valid.get(i));
            }
            chunks.add(new byte[0]);
            chunks.add(new byte[OpusPacketDecoder.MAX_PACKET_BYTES + 1]);
            assertCountMatches(AudioCodec.OPUS, rate, 1, chunks);
        }
    }

    private static void assertCountMatches(AudioCodec codec, int rate, int channels, List<byte[]> chunks) {
        DecodedLength length = new DecodedLength(codec, rate, channels);
        Signals.Collector sink = new Signals.Collector();
        PacketDecoder decoder = codec.newDecoder(rate, channels, sink);
        for (byte[] chunk : chunks) {
            length.add(chunk, 0, chunk.length);
            try {
                decoder.decode(chunk, 0, chunk.length);
            } catch (BadAudioException e) {
                // Counted as the decoder conceals it.
            }
        }
        decoder.finish();
        assertEquals(sink.samples().length, length.engineSamples(), codec + " " + rate + " Hz " + channels + " ch");
        assertEquals(decoder.decodedMicros(), length.micros(), codec + " " + rate + " Hz " + channels + " ch");
    }
}
