package io.earshot.audio.file;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-side WebM: writes EBML elements (with known or unknown sizes) and whole Opus files from packets, and
 * lists the elements of a well-formed file, so tests can build files the reader must accept or refuse.
 */
final class WebmBytes {

    static final int EBML = 0x1A45DFA3;
    static final int DOC_TYPE = 0x4282;
    static final int SEGMENT = 0x18538067;
    static final int INFO = 0x1549A966;
    static final int TRACKS = 0x1654AE6B;
    static final int TRACK_ENTRY = 0xAE;
    static final int TRACK_NUMBER = 0xD7;
    static final int TRACK_TYPE = 0x83;
    static final int CODEC_ID = 0x86;
    static final int CODEC_PRIVATE = 0x63A2;
    static final int CODEC_DELAY = 0x56AA;
    static final int CLUSTER = 0x1F43B675;
    static final int TIMESTAMP = 0xE7;
    static final int SIMPLE_BLOCK = 0xA3;
    static final int BLOCK_GROUP = 0xA0;
    static final int BLOCK = 0xA1;
    static final int DISCARD_PADDING = 0x75A2;
    static final int CUES = 0x1C53BB6B;
    static final int TAGS = 0x1254C367;
    static final int VOID = 0xEC;

    static final int AUDIO = 2;
    static final int VIDEO = 1;
    static final int NO_LACING = 0;
    static final int XIPH_LACING = 2;
    static final int FIXED_LACING = 4;
    static final int EBML_LACING = 6;

    private WebmBytes() {
    }

    /** An element of known size holding {@code children}, concatenated. */
    static byte[] element(int id, byte[]... children) {
        byte[] data = concat(children);
        return concat(id(id), size(data.length), data);
    }

    /** An element of unknown size (the eight-byte form MediaRecorder writes) followed by {@code children}. */
    static byte[] unknownSize(int id, byte[]... children) {
        return concat(id(id), new byte[] {1, -1, -1, -1, -1, -1, -1, -1}, concat(children));
    }

    static byte[] uint(int id, long value) {
        int n = 1;
        while (n < 8 && value >>> 8 * n != 0) {
            n++;
        }
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (value >>> 8 * (n - 1 - i));
        }
        return element(id, b);
    }

    static byte[] string(int id, String value) {
        return element(id, value.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** An EBML header as Chromium writes it, with {@code docType}. */
    static byte[] ebmlHeader(String docType) {
        return element(EBML, uint(0x4286, 1), uint(0x42F7, 1), uint(0x42F2, 4), uint(0x42F3, 8),
                string(DOC_TYPE, docType), uint(0x4287, 4), uint(0x4285, 2));
    }

    static byte[] trackEntry(int number, int type, String codecId, byte[]... more) {
        return element(TRACK_ENTRY, concat(uint(TRACK_NUMBER, number), uint(0x73C5, 1000 + number),
                uint(TRACK_TYPE, type), string(CODEC_ID, codecId), concat(more)));
    }

    static byte[] opusTrack(int number, byte[] opusHead) {
        return trackEntry(number, AUDIO, "A_OPUS", element(CODEC_PRIVATE, opusHead));
    }

    /** A SimpleBlock (key frame) or Block of {@code track} holding {@code frames} with the given lacing. */
    static byte[] block(int id, int track, int lacing, List<byte[]> frames) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80 | track);
        b.write(0);
        b.write(0);
        b.write((id == SIMPLE_BLOCK ? 0x80 : 0) | lacing);
        if (lacing != NO_LACING) {
            b.write(frames.size() - 1);
            for (int i = 0; i < frames.size() - 1; i++) {
                int n = frames.get(i).length;
                if (lacing == XIPH_LACING) {
                    for (; n >= 255; n -= 255) {
                        b.write(255);
                    }
                    b.write(n);
                } else if (lacing == EBML_LACING) {
                    // The first size as is, then differences, all in the two-byte form (bias 8191).
                    long v = i == 0 ? n : n - frames.get(i - 1).length + 8191;
                    b.write(0x40 | (int) (v >> 8));
                    b.write((int) v);
                }
            }
        } else if (frames.size() != 1) {
            throw new IllegalArgumentException("an unlaced block holds one frame");
        }
        frames.forEach(b::writeBytes);
        return element(id, b.toByteArray());
    }

    static byte[] simpleBlock(int track, byte[] packet) {
        return block(SIMPLE_BLOCK, track, NO_LACING, List.of(packet));
    }

    /** A BlockGroup holding a Block of one packet and a DiscardPadding of {@code discardNanos}. */
    static byte[] blockGroup(int track, byte[] packet, long discardNanos) {
        return element(BLOCK_GROUP, block(BLOCK, track, NO_LACING, List.of(packet)),
                uint(DISCARD_PADDING, discardNanos));
    }

    /**
     * A WebM Opus file as MediaRecorder writes it: Segment and Clusters of unknown size, one SimpleBlock per
     * packet, {@code perCluster} packets to a Cluster, no Cues.
     */
    static byte[] recorderFile(byte[] opusHead, List<byte[]> packets, int perCluster) {
        return concat(ebmlHeader("webm"), unknownSize(SEGMENT, info(), element(TRACKS, opusTrack(1, opusHead)),
                clusters(packets, perCluster, true)));
    }

    /** The same with every size known, as a muxer that can seek writes it, and a Cues element at the end. */
    static byte[] knownSizeFile(byte[] opusHead, List<byte[]> packets, int perCluster) {
        return concat(ebmlHeader("webm"), element(SEGMENT, info(), element(TRACKS, opusTrack(1, opusHead)),
                clusters(packets, perCluster, false), element(CUES, new byte[12])));
    }

    static byte[] info() {
        return element(INFO, uint(0x2AD7B1, 1_000_000), string(0x4D80, "test"), string(0x5741, "test"));
    }

    static byte[] clusters(List<byte[]> packets, int perCluster, boolean unknown) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < packets.size(); i += perCluster) {
            List<byte[]> blocks = new ArrayList<>();
            blocks.add(uint(TIMESTAMP, i * 20L));
            for (byte[] p : packets.subList(i, Math.min(packets.size(), i + perCluster))) {
                blocks.add(simpleBlock(1, p));
            }
            byte[][] children = blocks.toArray(new byte[0][]);
            out.writeBytes(unknown ? unknownSize(CLUSTER, children) : element(CLUSTER, children));
        }
        return out.toByteArray();
    }

    /** An element ID as stored: its bytes without leading zero bytes. */
    static byte[] id(int id) {
        int n = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (id >>> 8 * (n - 1 - i));
        }
        return b;
    }

    /** A data size in the shortest EBML form that is not the all-ones unknown size. */
    static byte[] size(long size) {
        int n = 1;
        while (size >= (1L << 7 * n) - 1) {
            n++;
        }
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (size >>> 8 * (n - 1 - i));
        }
        b[0] |= (byte) (0x80 >> n - 1);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** One element of a file: its ID, where its header starts, where its data starts, and its size (-1 unknown). */
    record Element(int id, int start, int dataStart, long size) {
    }

    /**
     * The elements of a well-formed file in file order, the children of the Segment, Clusters and BlockGroups
     * included; an element of unknown size is followed by its children.
     */
    static List<Element> elements(byte[] file) {
        List<Element> list = new ArrayList<>();
        int p = 0;
        while (p < file.length) {
            int start = p;
            int idLength = Integer.numberOfLeadingZeros(file[p] & 0xff) - 23;
            int id = 0;
            for (int i = 0; i < idLength; i++) {
                id = id << 8 | file[p++] & 0xff;
            }
            int sizeLength = Integer.numberOfLeadingZeros(file[p] & 0xff) - 23;
            long size = file[p++] & 0xff >> sizeLength;
            boolean unknown = size == 0xff >> sizeLength;
            for (int i = 1; i < sizeLength; i++) {
                unknown &= file[p] == -1;
                size = size << 8 | file[p++] & 0xff;
            }
            list.add(new Element(id, start, p, unknown ? -1 : size));
            boolean parent = id == SEGMENT || id == CLUSTER || id == BLOCK_GROUP;
            if (!parent) {
                p += (int) size;
            }
        }
        return list;
    }
}
