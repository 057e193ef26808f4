package io.earshot.audio.file;

import io.earshot.audio.PcmSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads Ogg Opus files (RFC 7845 in the Ogg container of RFC 3533), one page at a time. Concentus decodes the
 * audio at 48 kHz, mono (a mono decoder mixes stereo packets down), and a converter band-limits it to 16 kHz;
 * {@link OpusFileDecoder}, shared with the WebM reader, says why 48 kHz.
 *
 * <p>Every page's CRC is checked and the Opus stream's pages must follow each other without a gap, so damage
 * is reported, not decoded as noise. Pages of other logical streams in the file are checked and skipped.
 * The header's output gain is applied, the pre-skip dropped from the start and, when the stream ends with an
 * end-of-stream page, the end trimmed to that page's granule position, so the output is exactly the audio the
 * encoder was given. A file that stops at a page boundary without an end-of-stream page, as a recorder that
 * was stopped writes it, is decoded to its end (a packet left unfinished by its last page is dropped); a file
 * that stops inside a page is truncated.
 *
 * <p>Only mono and stereo Opus is taken (channel mapping family 0, or family 1 with the plain one-stream
 * mono or stereo mapping). The comment header is skipped as it streams past and is never buffered, so cover
 * art of any size costs no memory. Chained files (a new stream after the first one ends) are refused as
 * unsupported; anything after the end of the stream that is not an Ogg page is ignored.
 *
 * <p>Problems name the page by its number in the file (1 for the first page) and its byte offset, and audio
 * packets by their number in the stream (1 for the first audio packet).
 */
public final class OggOpusReader implements AudioFileReader {

    private static final int MAX_PACKET_BYTES = OpusFileDecoder.MAX_PACKET_BYTES;
    private static final int HEADER_BYTES = 27;
    private static final int MAX_PAGE_BYTES = HEADER_BYTES + 255 + 255 * 255;
    private static final int FLAG_CONTINUED = 1;
    private static final int FLAG_BOS = 2;
    private static final int FLAG_EOS = 4;
    private static final int[] CRC_TABLE = crcTable();

    @Override
    public AudioFileInfo read(InputStream in, PcmSink sink) throws IOException, AudioFileException {
        return new Decoding(new ByteInput(in), sink).run();
    }

    /** The state of reading one file. */
    private static final class Decoding {

        private final ByteInput in;
        private final OpusFileDecoder opus;
        private final byte[] page = new byte[MAX_PAGE_BYTES];
        private final byte[] packet = new byte[MAX_PACKET_BYTES];

        // The page just read.
        private int pageNumber;
        private long pageOffset;
        private int flags;
        private long granule;
        private int serial;
        private long sequence;
        private int segments;
        private int bodyLength;

        // The Opus stream.
        private boolean selected;
        private String otherCodec;
        private int opusSerial;
        private long nextSequence;
        private boolean ended;
        /** Packets completed in the stream, headers included. */
        private long packets;
        private int packetLength;
        private boolean packetOpen;

        Decoding(ByteInput in, PcmSink sink) {
            this.in = in;
            this.opus = new OpusFileDecoder(sink);
        }

        AudioFileInfo run() throws IOException, AudioFileException {
            while (true) {
                boolean more;
                try {
                    more = readPage();
                } catch (AudioFileException e) {
                    if (!ended) {
                        throw e;
                    }
                    // Whatever follows the end of the stream and is not an Ogg page is not ours to judge.
                    more = false;
                }
                if (!more) {
                    break;
                }
                boolean bos = (flags & FLAG_BOS) != 0;
                if (ended) {
                    if (bos) {
                        throw AudioFileException.unsupported("Chained Ogg files (a new stream after the first one "
                                + "ends, at page " + pageNumber + ") are not supported: send one stream.");
                    }
                } else if (!selected) {
                    select(bos);
                } else if (serial == opusSerial) {
                    opusPage();
                }
            }
            if (pageNumber == 0) {
                throw AudioFileException.truncated("The file is empty.", 0);
            }
            if (!selected) {
                throw notOpus();
            }
            if (packets < 2) {
                throw AudioFileException.truncated("The file ends before its Opus headers are complete.",
                        in.position());
            }
            return opus.finish(AudioFileInfo.OGG_OPUS);
        }

        /** Before the Opus stream is found: the beginning-of-stream pages, one of which must be Opus. */
        private void select(boolean bos) throws AudioFileException {
            if (!bos) {
                if (pageNumber == 1) {
                    throw AudioFileException.corrupt("The Ogg file does not start with the first page of a stream: "
                            + "its beginning is missing.", pageOffset);
                }
                throw notOpus();
            }
            if (bodyStartsWith("OpusHead")) {
                selected = true;
                opusSerial = serial;
                nextSequence = sequence;
                opusPage();
            } else if (otherCodec == null && !bodyStartsWith("fishead\0")) {
                otherCodec = codecName();
            }
        }

        private AudioFileException notOpus() {
            return AudioFileException.unsupported("This Ogg file holds " + (otherCodec == null ? "no audio stream"
                    : otherCodec) + ", not Opus: only Ogg Opus is supported.");
        }

        /** One page of the Opus stream: its packets, in order, with those continued from the page before. */
        private void opusPage() throws AudioFileException {
            if (sequence != nextSequence) {
                throw AudioFileException.corrupt("Ogg page " + pageNumber + " at byte " + pageOffset + " is out of "
                        + "order: the stream's page " + nextSequence + " was expected, not page " + sequence
                        + ".", pageOffset);
            }
            nextSequence = (sequence + 1) & 0xFFFF_FFFFL;
            boolean continued = (flags & FLAG_CONTINUED) != 0;
            if (continued != packetOpen) {
                throw AudioFileException.corrupt("Ogg page " + pageNumber + " at byte " + pageOffset
                        + (continued ? " continues a packet, but the page before ended with a complete one."
                                : " does not continue the packet the page before left unfinished."), pageOffset);
            }
            if ((flags & FLAG_EOS) != 0 && packets >= 2 && granule != -1) {
                trimTo(granule);
            }
            int p = HEADER_BYTES + segments;
            for (int s = 0; s < segments; s++) {
                int lacing = page[HEADER_BYTES + s] & 0xff;
                append(p, lacing);
                p += lacing;
                packetOpen = lacing == 255;
                if (!packetOpen) {
                    completePacket();
                }
            }
            ended = (flags & FLAG_EOS) != 0;
        }

        /**
         * The end-of-stream page's granule position gives the stream's length at 48 kHz, pre-skip included. It can
         * only cut into the packets of its own page: it may not end the stream before audio of earlier pages.
         */
        private void trimTo(long endGranule) throws AudioFileException {
            if (endGranule < opus.preSkip() || endGranule - opus.preSkip() < opus.emitted()) {
                throw AudioFileException.corrupt("The last Ogg page (page " + pageNumber + " at byte " + pageOffset
                        + ") gives an impossible stream length (granule position " + endGranule + ").",
                        pageOffset);
            }
            opus.limit(endGranule - opus.preSkip());
        }

        /**
         * Adds a segment to the packet being assembled. The comment header is only counted (its first bytes
         * kept to check its magic), so it may be of any length.
         */
        private void append(int offset, int length) throws AudioFileException {
            if (packets == 1) {
                int at = Math.min(packetLength, 8);
                System.arraycopy(page, offset, packet, at, Math.min(length, 8 - at));
            } else if (packetLength + length > MAX_PACKET_BYTES) {
                throw AudioFileException.corrupt("Ogg page " + pageNumber + " at byte " + pageOffset + " holds a "
                        + "packet longer than " + MAX_PACKET_BYTES + " bytes, which no Opus packet is.", pageOffset);
            } else {
                System.arraycopy(page, offset, packet, packetLength, length);
            }
            packetLength += length;
        }

        private void completePacket() throws AudioFileException {
            if (packets == 0) {
                opus.head(packet, packetLength, pageOffset);
            } else if (packets == 1) {
                if (packetLength < 8 || !startsWith(packet, 0, "OpusTags")) {
                    throw AudioFileException.corrupt("The Ogg Opus file's second packet (page " + pageNumber
                            + ") is not an OpusTags comment header.", pageOffset);
                }
            } else {
                audio(packets - 1);
            }
            packets++;
            packetLength = 0;
        }

        /** Decodes audio packet {@code number} (from 1) and emits what pre-skip and end trimming leave. */
        private void audio(long number) throws AudioFileException {
            int n = opus.decode(packet, 0, packetLength);
            if (n <= 0) {
                throw AudioFileException.corrupt("Opus packet " + number + " (Ogg page " + pageNumber + " at byte "
                        + pageOffset + ") could not be decoded.", pageOffset);
            }
            opus.emit(n);
        }

        /**
         * Reads the next page whole and checks its CRC. Returns false at the end of the file when it falls
         * between pages.
         */
        private boolean readPage() throws IOException, AudioFileException {
            pageOffset = in.position();
            int n = in.read(page, 0, HEADER_BYTES);
            if (n == 0) {
                return false;
            }
            pageNumber++;
            if (!"OggS".startsWith(new String(page, 0, Math.min(n, 4), StandardCharsets.ISO_8859_1))) {
                throw AudioFileException.corrupt(pageNumber == 1 ? "This is not an Ogg file: it does not start "
                        + "with \"OggS\"." : "No Ogg page starts at byte " + pageOffset + ", after page "
                        + (pageNumber - 1) + ".", pageOffset);
            }
            if (n < HEADER_BYTES) {
                throw truncatedPage();
            }
            if (page[4] != 0) {
                throw AudioFileException.corrupt("Ogg page " + pageNumber + " at byte " + pageOffset + " has an "
                        + "unknown version (" + (page[4] & 0xff) + ").", pageOffset);
            }
            segments = page[26] & 0xff;
            if (in.read(page, HEADER_BYTES, segments) < segments) {
                throw truncatedPage();
            }
            bodyLength = 0;
            for (int s = 0; s < segments; s++) {
                bodyLength += page[HEADER_BYTES + s] & 0xff;
            }
            if (in.read(page, HEADER_BYTES + segments, bodyLength) < bodyLength) {
                throw truncatedPage();
            }
            int stored = le32(page, 22);
            page[22] = page[23] = page[24] = page[25] = 0;
            if (crc(page, HEADER_BYTES + segments + bodyLength) != stored) {
                throw AudioFileException.corrupt("Ogg page " + pageNumber + " at byte " + pageOffset + " fails its "
                        + "CRC check.", pageOffset);
            }
            flags = page[5] & 0xff;
            granule = le32(page, 6) & 0xFFFF_FFFFL | (long) le32(page, 10) << 32;
            serial = le32(page, 14);
            sequence = le32(page, 18) & 0xFFFF_FFFFL;
            return true;
        }

        private AudioFileException truncatedPage() {
            return AudioFileException.truncated("The file ends inside Ogg page " + pageNumber + ", which starts at "
                    + "byte " + pageOffset + ".", in.position());
        }

        /** What a beginning-of-stream page that is not Opus holds, as far as its magic tells. */
        private String codecName() {
            if (bodyStartsWith("\u0001vorbis")) {
                return "Vorbis audio";
            }
            if (bodyStartsWith("\u007fFLAC")) {
                return "FLAC audio";
            }
            if (bodyStartsWith("Speex   ")) {
                return "Speex audio";
            }
            if (bodyStartsWith("\u0080theora")) {
                return "Theora video";
            }
            return "a stream of an unknown kind";
        }

        private boolean bodyStartsWith(String magic) {
            return bodyLength >= magic.length() && startsWith(page, HEADER_BYTES + segments, magic);
        }

        private static boolean startsWith(byte[] b, int offset, String magic) {
            for (int i = 0; i < magic.length(); i++) {
                if (b[offset + i] != (byte) magic.charAt(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static int le32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | b[p + 3] << 24;
    }

    /** Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value and final XOR 0. */
    static int crc(byte[] b, int length) {
        int crc = 0;
        for (int i = 0; i < length; i++) {
            crc = crc << 8 ^ CRC_TABLE[(crc >>> 24 ^ b[i]) & 0xff];
        }
        return crc;
    }

    private static int[] crcTable() {
        int[] table = new int[256];
        for (int i = 0; i < 256; i++) {
            int r = i << 24;
            for (int k = 0; k < 8; k++) {
                r = (r & 0x8000_0000) != 0 ? r << 1 ^ 0x04c1_1db7 : r << 1;
            }
            table[i] = r;
        }
        return table;
    }
}
