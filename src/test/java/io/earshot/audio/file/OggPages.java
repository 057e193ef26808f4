package io.earshot.audio.file;

import io.github.jaredmdobson.concentus.OpusPacketInfo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test-side Ogg: splits a well-formed file into its pages and packets, and writes pages (with a correct CRC)
 * from packets, so tests can build streams the reader must accept or refuse.
 */
final class OggPages {

    static final int CONTINUED = 1;
    static final int BOS = 2;
    static final int EOS = 4;

    private OggPages() {
    }

    /** One page as it is stored. */
    record Page(byte[] bytes) {

        int flags() {
            return bytes[5] & 0xff;
        }

        long granule() {
            long g = 0;
            for (int i = 13; i >= 6; i--) {
                g = g << 8 | (bytes[i] & 0xff);
            }
            return g;
        }

        int serial() {
            return le32(bytes, 14);
        }

        int segments() {
            return bytes[26] & 0xff;
        }
    }

    /** The pages of a well-formed file, in order. */
    static List<Page> pages(byte[] file) {
        List<Page> pages = new ArrayList<>();
        int p = 0;
        while (p < file.length) {
            int segments = file[p + 26] & 0xff;
            int length = 27 + segments;
            for (int s = 0; s < segments; s++) {
                length += file[p + 27 + s] & 0xff;
            }
            pages.add(new Page(Arrays.copyOfRange(file, p, p + length)));
            p += length;
        }
        return pages;
    }

    /** The packets of one logical stream, headers included. */
    static List<byte[]> packets(byte[] file, int serial) {
        List<byte[]> packets = new ArrayList<>();
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        for (Page page : pages(file)) {
            if (page.serial() != serial) {
                continue;
            }
            int body = 27 + page.segments();
            for (int s = 0; s < page.segments(); s++) {
                int lacing = page.bytes()[27 + s] & 0xff;
                current.write(page.bytes(), body, lacing);
                body += lacing;
                if (lacing < 255) {
                    packets.add(current.toByteArray());
                    current.reset();
                }
            }
        }
        return packets;
    }

    static byte[] concat(List<Page> pages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Page page : pages) {
            out.writeBytes(page.bytes());
        }
        return out.toByteArray();
    }

    /**
     * A page holding whole packets, the last of which may be cut short to {@code lastLength} bytes to make it
     * continue on the next page (pass -1 for none).
     */
    static Page page(int serial, int sequence, int flags, long granule, List<byte[]> packets) {
        ByteArrayOutputStream lacing = new ByteArrayOutputStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] packet : packets) {
            int n = packet.length;
            while (n >= 255) {
                lacing.write(255);
                n -= 255;
            }
            lacing.write(n);
            body.writeBytes(packet);
        }
        return rawPage(serial, sequence, flags, granule, lacing.toByteArray(), body.toByteArray());
    }

    /**
     * Writes one logical stream as libogg does: packets are laced into the current page, a full page (at
     * {@code maxSegments} lacing values) goes out by itself with the packet continuing on the next page, and
     * {@link #page} sends the current page. A page's granule position is that of the last packet it completes,
     * or -1 if it completes none.
     */
    static final class Stream {

        private final int serial;
        private final int maxSegments;
        private final List<Page> pages = new ArrayList<>();
        private final ByteArrayOutputStream lacing = new ByteArrayOutputStream();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int sequence;
        private long granule = -1;
        private boolean midPacket;
        private boolean pageContinues;

        Stream(int serial, int maxSegments) {
            this.serial = serial;
            this.maxSegments = maxSegments;
        }

        Stream packet(byte[] packet, long granuleAfter) {
            int offset = 0;
            while (true) {
                if (lacing.size() == maxSegments) {
                    page(0);
                }
                int n = Math.min(255, packet.length - offset);
                lacing.write(n);
                body.write(packet, offset, n);
                offset += n;
                midPacket = n == 255;
                if (!midPacket) {
                    granule = granuleAfter;
                    return this;
                }
            }
        }

        /** Sends the current page, with {@code flags} (such as {@link #EOS}) added to those it needs. */
        Stream page(int flags) {
            int all = flags | (pageContinues ? CONTINUED : 0) | (sequence == 0 ? BOS : 0);
            pages.add(rawPage(serial, sequence++, all, granule, lacing.toByteArray(), body.toByteArray()));
            lacing.reset();
            body.reset();
            granule = -1;
            pageContinues = midPacket;
            return this;
        }

        List<Page> pages() {
            return pages;
        }
    }

    /**
     * An Ogg Opus file: the headers on pages of their own, then {@code perPage} audio packets to a page (fewer
     * where packets outgrow {@code maxSegments} lacing values), with granule positions counted from the packets'
     * durations. The last page has the end-of-stream flag and granule position {@code endGranule}, unless that is
     * negative: then the file stops after the last packet's page as a stopped recorder leaves it.
     */
    static byte[] opusFile(int serial, byte[] head, byte[] tags, List<byte[]> audio, int perPage, int maxSegments,
            long endGranule) {
        Stream s = new Stream(serial, maxSegments);
        s.packet(head, 0).page(0);
        s.packet(tags, 0).page(0);
        long granule = 0;
        for (int i = 0; i < audio.size(); i++) {
            byte[] p = audio.get(i);
            granule += OpusPacketInfo.getNumSamples(p, 0, p.length, 48_000);
            boolean last = i == audio.size() - 1;
            s.packet(p, last && endGranule >= 0 ? endGranule : granule);
            if (last) {
                s.page(endGranule >= 0 ? EOS : 0);
            } else if ((i + 1) % perPage == 0) {
                s.page(0);
            }
        }
        return concat(s.pages());
    }

    /** An OpusHead packet (RFC 7845 section 5.1), with the channel mapping table if {@code mapping} is given. */
    static byte[] opusHead(int version, int channels, int preSkip, int inputRate, int gain, int family,
            int... mapping) {
        byte[] b = new byte[19 + mapping.length];
        System.arraycopy("OpusHead".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 8);
        b[8] = (byte) version;
        b[9] = (byte) channels;
        b[10] = (byte) preSkip;
        b[11] = (byte) (preSkip >> 8);
        put32(b, 12, inputRate);
        b[16] = (byte) gain;
        b[17] = (byte) (gain >> 8);
        b[18] = (byte) family;
        for (int i = 0; i < mapping.length; i++) {
            b[19 + i] = (byte) mapping[i];
        }
        return b;
    }

    /** An OpusTags packet with a vendor string of {@code vendorLength} bytes and no comments. */
    static byte[] opusTags(int vendorLength) {
        byte[] b = new byte[8 + 4 + vendorLength + 4];
        System.arraycopy("OpusTags".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 8);
        put32(b, 8, vendorLength);
        Arrays.fill(b, 12, 12 + vendorLength, (byte) 'x');
        return b;
    }

    /** A page with the given lacing values and body, and its CRC set. */
    static Page rawPage(int serial, int sequence, int flags, long granule, byte[] lacing, byte[] body) {
        if (lacing.length > 255) {
            throw new IllegalArgumentException("too many segments for one page");
        }
        byte[] b = new byte[27 + lacing.length + body.length];
        b[0] = 'O';
        b[1] = 'g';
        b[2] = 'g';
        b[3] = 'S';
        b[5] = (byte) flags;
        for (int i = 0; i < 8; i++) {
            b[6 + i] = (byte) (granule >>> 8 * i);
        }
        put32(b, 14, serial);
        put32(b, 18, sequence);
        b[26] = (byte) lacing.length;
        System.arraycopy(lacing, 0, b, 27, lacing.length);
        System.arraycopy(body, 0, b, 27 + lacing.length, body.length);
        put32(b, 22, OggOpusReader.crc(b, b.length));
        return new Page(b);
    }

    /** Recomputes the CRC of a page whose bytes were changed. */
    static void fixCrc(byte[] page) {
        put32(page, 22, 0);
        put32(page, 22, OggOpusReader.crc(page, page.length));
    }

    static int le32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | b[p + 3] << 24;
    }

    static void put32(byte[] b, int p, int v) {
        for (int i = 0; i < 4; i++) {
            b[p + i] = (byte) (v >>> 8 * i);
        }
    }
}
