package io.earshot.audio;

import java.util.List;
import java.util.Locale;

/** The codecs a stream may negotiate, with the sample rates and channel counts each accepts. */
public enum AudioCodec {
    /** Opus (RFC 6716): one self-contained Opus packet per chunk. */
    OPUS("opus", List.of(8_000, 12_000, 16_000, 24_000, 48_000)),
    /** Signed 16-bit little-endian PCM, channels interleaved. */
    PCM_S16LE("pcm_s16le", List.of(8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000));

    /** Channel counts every codec accepts. */
    public static final List<Integer> CHANNELS = List.of(1, 2);

    private final String wireName;
    private final List<Integer> sampleRates;

    AudioCodec(String wireName, List<Integer> sampleRates) {
        this.wireName = wireName;
        this.sampleRates = sampleRates;
    }

    public String wireName() {
        return wireName;
    }

    public List<Integer> sampleRates() {
        return sampleRates;
    }

    public boolean supportsRate(int rate) {
        return sampleRates.contains(rate);
    }

    /** The codec with this wire name (case-insensitive), or null. */
    public static AudioCodec fromWire(String name) {
        if (name == null) {
            return null;
        }
        String n = name.toLowerCase(Locale.ROOT);
        for (AudioCodec c : values()) {
            if (c.wireName.equals(n)) {
                return c;
            }
        }
        return null;
    }

    /** Wire names of every supported codec, in the server's order of preference. */
    public static List<String> wireNames() {
        return java.util.Arrays.stream(values()).map(AudioCodec::wireName).toList();
    }

    /** A fresh decoder for one stream of this codec; decoders hold state and serve exactly one stream. */
    public PacketDecoder newDecoder(int sampleRate, int channels, PcmSink sink) {
        return switch (this) {
            case OPUS -> new OpusPacketDecoder(sampleRate, channels, sink);
            case PCM_S16LE -> new PcmPacketDecoder(sampleRate, channels, sink);
        };
    }
}
