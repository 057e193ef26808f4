package io.earshot.audio.file;

import io.earshot.audio.PcmSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Opus in WebM (Matroska), the format browsers record: Chromium's MediaRecorder writes
 * {@code audio/webm;codecs=opus} and cannot write Ogg. The file is parsed as it streams past, one EBML element
 * at a time; elements that are not needed (Cues, Tags, video blocks, cover art) are read past, never held,
 * and at most one block of the Opus track is in memory, so a file of any length decodes in bounded memory.
 * The Opus side, decoding at 48 kHz included, is {@link OpusFileDecoder}'s.
 *
 * <p>The EBML header's DocType must be {@code webm} or {@code matroska}. The audio is that of the first Opus
 * track ({@code A_OPUS}), whose CodecPrivate holds the OpusHead header: channels, pre-skip (or, when that is
 * 0, the track's CodecDelay) and output gain are taken from it. Blocks of that track, SimpleBlocks and Blocks
 * in BlockGroups, with or without lacing, are decoded in file order; a BlockGroup's DiscardPadding trims the
 * end of its block. Block timestamps are not used: the output is the decoded packets back to back. Blocks of
 * other tracks are skipped unread. The Tracks must come before the first Cluster, as every recorder writes
 * them.
 *
 * <p>MediaRecorder writes the Segment and its Clusters with an unknown size (the recorder cannot go back to
 * patch sizes) and no Cues. A Cluster of unknown size ends where an element that belongs to the Segment
 * level begins, and a file whose Segment has an unknown size ends where the file does: a recording that stops
 * between two elements is decoded to its end. A file that stops inside an element, or before the end of an
 * element of known size that holds it, is truncated. CRC-32 elements are not checked.
 *
 * <p>Problems name the element and its byte offset, and Opus blocks by their number in the track (1 for the
 * first block). Every size a file declares is checked against the element that holds it before anything is
 * read by it.
 */
public final class WebmOpusReader implements AudioFileReader {

    /**
     * The most a block of the Opus track may hold after its track number: its header, lacing and packets. A
     * packet cannot reach {@link OpusFileDecoder#MAX_PACKET_BYTES}; recorders write one packet to a block.
     */
    static final int MAX_BLOCK_BYTES = OpusFileDecoder.MAX_PACKET_BYTES + 1024;
    /** Enough for an OpusHead with a channel mapping table for 255 channels. */
    private static final int MAX_HEAD_BYTES = 19 + 2 + 255;
    /** Longer than any DocType or CodecID this reader looks for. */
    private static final int MAX_STRING_BYTES = 64;
    private static final int MAX_FRAMES = 256;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    static final int EBML = 0x1A45DFA3;
    private static final int EBML_READ_VERSION = 0x42F7;
    private static final int DOC_TYPE = 0x4282;
    static final int SEGMENT = 0x18538067;
    private static final int SEEK_HEAD = 0x114D9B74;
    private static final int INFO = 0x1549A966;
    private static final int TRACKS = 0x1654AE6B;
    private static final int CLUSTER = 0x1F43B675;
    private static final int CUES = 0x1C53BB6B;
    private static final int CHAPTERS = 0x1043A770;
    private static final int TAGS = 0x1254C367;
    private static final int ATTACHMENTS = 0x1941A469;
    private static final int TRACK_ENTRY = 0xAE;
    private static final int TRACK_NUMBER = 0xD7;
    private static final int TRACK_TYPE = 0x83;
    private static final int CODEC_ID = 0x86;
    private static final int CODEC_PRIVATE = 0x63A2;
    private static final int CODEC_DELAY = 0x56AA;
    private static final int CONTENT_ENCODINGS = 0x6D80;
    private static final int SIMPLE_BLOCK = 0xA3;
    private static final int BLOCK_GROUP = 0xA0;
    private static final int BLOCK = 0xA1;
    private static final int DISCARD_PADDING = 0x75A2;
    private static final int TRACK_TYPE_AUDIO = 2;

    @Override
    public AudioFileInfo read(InputStream in, PcmSink sink) throws IOException, AudioFileException {
        return new Decoding(new ByteInput(in), sink).run();
    }

    /** The state of reading one file. */
    private static final class Decoding {

        private final ByteInput in;
        private final OpusFileDecoder opus;
        private final byte[] one = new byte[1];
        private final byte[] text = new byte[MAX_STRING_BYTES];
        private final byte[] head = new byte[MAX_HEAD_BYTES];
        private final byte[] block = new byte[MAX_BLOCK_BYTES];
        private final int[] frameStarts = new int[MAX_FRAMES];
        private final int[] frameLengths = new int[MAX_FRAMES];

        // The element whose header was read last.
        private int id;
        private long start;
        /** The size of its data, or -1 if unknown. */
        private long size;
        private long dataStart;
        /** Whether an unknown-size Cluster ended at the element just read, which the Segment is still to take. */
        private boolean pending;

        // The Opus track.
        private boolean tracksRead;
        private boolean selected;
        private long opusTrack;
        private final List<String> otherCodecs = new ArrayList<>();

        // The Opus block just read.
        private int blockId;
        private long blockStart;
        private int blockLength;
        /** Opus blocks read, counted from 1. */
        private long blocks;

        Decoding(ByteInput in, PcmSink sink) {
            this.in = in;
            this.opus = new OpusFileDecoder(sink);
        }

        AudioFileInfo run() throws IOException, AudioFileException {
            ebmlHeader();
            while (true) {
                if (!next(-1, 0, 0)) {
                    throw AudioFileException.truncated("The file ends after its EBML header, before its Segment.",
                            in.position());
                }
                if (id == SEGMENT) {
                    break;
                }
                if (isSegmentLevel(id) || id == EBML) {
                    throw AudioFileException.corrupt("The WebM file has a " + name(id) + " at byte " + start
                            + " where its Segment should begin.", start);
                }
                skip();
            }
            boolean known = size >= 0;
            segment();
            if (known) {
                // Whatever follows the Segment is not ours to judge, unless it is a second file.
                long at = in.position();
                int n = in.read(text, 0, 4);
                if (n == 4 && be32(text) == EBML) {
                    throw secondStream(at);
                }
                in.skip(Long.MAX_VALUE);
            }
            return opus.finish(AudioFileInfo.WEBM_OPUS);
        }

        /** The EBML header: the file's magic number, and a DocType of {@code webm} or {@code matroska}. */
        private void ebmlHeader() throws IOException, AudioFileException {
            int n = in.read(text, 0, 4);
            if (n == 0) {
                throw AudioFileException.truncated("The file is empty.", 0);
            }
            for (int i = 0; i < n; i++) {
                if (text[i] != (byte) (EBML >>> 24 - 8 * i)) {
                    throw AudioFileException.corrupt("This is not a WebM file: it does not start with an EBML "
                            + "header.", 0);
                }
            }
            if (n < 4) {
                throw truncatedHeader(0);
            }
            id = EBML;
            start = 0;
            size = readSize();
            dataStart = in.position();
            if (size < 0) {
                throw AudioFileException.corrupt("The EBML header has an unknown size.", 0);
            }
            long end = dataStart + size;
            String docType = null;
            while (next(end, EBML, 0)) {
                if (id == DOC_TYPE) {
                    docType = readString();
                } else if (id == EBML_READ_VERSION) {
                    long version = readUnsigned();
                    if (version != 1) {
                        throw AudioFileException.unsupported("EBML version " + Long.toUnsignedString(version)
                                + " is not supported.");
                    }
                } else {
                    skip();
                }
            }
            if (docType == null) {
                throw AudioFileException.corrupt("The EBML header names no DocType, so the file is not known to "
                        + "be WebM.", 0);
            }
            if (!docType.equals("webm") && !docType.equals("matroska")) {
                throw AudioFileException.unsupported("This EBML file is a \"" + docType + "\" document, not WebM "
                        + "or Matroska.");
            }
        }

        /** The Segment's elements: the Tracks, then Clusters, skipping everything else. */
        private void segment() throws IOException, AudioFileException {
            long segmentStart = start;
            long end = size < 0 ? -1 : dataStart + size;
            while (pending || next(end, SEGMENT, segmentStart)) {
                pending = false;
                if (id == TRACKS && !tracksRead) {
                    tracks();
                } else if (id == CLUSTER) {
                    if (!tracksRead) {
                        throw AudioFileException.unsupported("This WebM file's first Cluster (byte " + start
                                + ") comes before its Tracks, which is not supported.");
                    }
                    cluster(end);
                } else if (id == EBML || id == SEGMENT) {
                    throw secondStream(start);
                } else {
                    skip();
                }
            }
            if (!tracksRead) {
                if (end < 0) {
                    throw AudioFileException.truncated("The file ends before its Tracks.", in.position());
                }
                throw AudioFileException.corrupt("The Segment at byte " + segmentStart + " has no Tracks.",
                        segmentStart);
            }
        }

        private AudioFileException secondStream(long at) {
            return AudioFileException.unsupported("A second WebM stream begins at byte " + at + ", after the "
                    + "first: send one recording per file.");
        }

        /** The track list: selects the first Opus audio track, or refuses the file naming what it holds. */
        private void tracks() throws IOException, AudioFileException {
            long tracksStart = start;
            long end = dataStart + size;
            while (next(end, TRACKS, tracksStart)) {
                if (id == TRACK_ENTRY && !selected) {
                    trackEntry();
                } else {
                    skip();
                }
            }
            tracksRead = true;
            if (!selected) {
                throw AudioFileException.unsupported("This WebM file holds " + (otherCodecs.isEmpty() ? "no tracks"
                        : PcmLimits.list(otherCodecs)) + ", not Opus audio: only WebM with Opus is supported.");
            }
        }

        private void trackEntry() throws IOException, AudioFileException {
            long entryStart = start;
            long end = dataStart + size;
            long number = 0;
            long type = 0;
            String codec = null;
            int headLength = -1;
            long headStart = -1;
            long codecDelay = 0;
            boolean encoded = false;
            while (next(end, TRACK_ENTRY, entryStart)) {
                switch (id) {
                    case TRACK_NUMBER -> number = readUnsigned();
                    case TRACK_TYPE -> type = readUnsigned();
                    case CODEC_ID -> codec = readString();
                    case CODEC_PRIVATE -> {
                        // Only the OpusHead is needed: another codec's private data, of any length, is skipped.
                        headStart = start;
                        headLength = (int) Math.min(size, MAX_HEAD_BYTES);
                        readData(head, headLength);
                        skipData(size - headLength);
                    }
                    case CODEC_DELAY -> codecDelay = readUnsigned();
                    case CONTENT_ENCODINGS -> {
                        encoded = true;
                        skip();
                    }
                    default -> skip();
                }
            }
            if (!"A_OPUS".equals(codec) || type != TRACK_TYPE_AUDIO && type != 0) {
                if (otherCodecs.size() < 4) {
                    otherCodecs.add(codec == null ? "a track with no CodecID" : codec + " " + kind(type));
                }
                return;
            }
            if (number == 0) {
                throw AudioFileException.corrupt("The Opus track (TrackEntry at byte " + entryStart + ") has no "
                        + "valid TrackNumber.", entryStart);
            }
            if (encoded) {
                throw AudioFileException.unsupported("The Opus track is compressed or encrypted "
                        + "(ContentEncodings), which is not supported.");
            }
            if (headLength < 0) {
                throw AudioFileException.corrupt("The Opus track (TrackEntry at byte " + entryStart + ") has no "
                        + "CodecPrivate holding its OpusHead header.", entryStart);
            }
            if (headLength < 8 || !new String(head, 0, 8, StandardCharsets.ISO_8859_1).equals("OpusHead")) {
                throw AudioFileException.corrupt("The Opus track's CodecPrivate (byte " + headStart + ") is not "
                        + "an OpusHead header.", headStart);
            }
            opus.head(head, headLength, headStart);
            // CodecDelay is the pre-skip in nanoseconds; it cannot exceed the header's 16-bit field.
            if (codecDelay < 0 || codecDelay > 2 * NANOS_PER_SECOND) {
                throw AudioFileException.corrupt("The Opus track's CodecDelay (" + Long.toUnsignedString(codecDelay)
                        + " ns) is longer than any Opus pre-skip.", entryStart);
            }
            opus.defaultPreSkip((int) Math.min(65_535, toSamples(codecDelay)));
            opusTrack = number;
            selected = true;
        }

        private static String kind(long type) {
            return type == 1 ? "video" : type == TRACK_TYPE_AUDIO ? "audio" : type == 17 ? "subtitles" : "track";
        }

        /**
         * A Cluster's blocks. One of unknown size ends at the end of the Segment, or of the file, or where an
         * element of the Segment's level begins; that element is left {@link #pending} for the Segment.
         */
        private void cluster(long segmentEnd) throws IOException, AudioFileException {
            long clusterStart = start;
            boolean unknown = size < 0;
            long end = unknown ? segmentEnd : dataStart + size;
            while (next(end, CLUSTER, clusterStart)) {
                if (unknown && (isSegmentLevel(id) || id == EBML || id == SEGMENT)) {
                    pending = true;
                    return;
                }
                if (id == SIMPLE_BLOCK) {
                    if (readBlock()) {
                        decodeBlock(0);
                    }
                } else if (id == BLOCK_GROUP) {
                    blockGroup();
                } else {
                    skip();
                }
            }
        }

        private static boolean isSegmentLevel(int id) {
            return id == SEEK_HEAD || id == INFO || id == TRACKS || id == CLUSTER || id == CUES || id == CHAPTERS
                    || id == TAGS || id == ATTACHMENTS;
        }

        /** A Block with what belongs to it: DiscardPadding may come before or after the Block. */
        private void blockGroup() throws IOException, AudioFileException {
            long groupStart = start;
            long end = dataStart + size;
            boolean seen = false;
            boolean ours = false;
            long discardPadding = 0;
            while (next(end, BLOCK_GROUP, groupStart)) {
                if (id == BLOCK) {
                    if (seen) {
                        throw AudioFileException.corrupt("The BlockGroup at byte " + groupStart + " holds more "
                                + "than one Block.", start);
                    }
                    seen = true;
                    ours = readBlock();
                } else if (id == DISCARD_PADDING) {
                    discardPadding = readSigned();
                } else {
                    skip();
                }
            }
            if (!seen) {
                throw AudioFileException.corrupt("The BlockGroup at byte " + groupStart + " holds no Block.",
                        groupStart);
            }
            if (ours) {
                decodeBlock(discardPadding);
            }
        }

        /**
         * Reads a SimpleBlock's or Block's track number. A block of the Opus track is read into {@link #block}
         * and true returned; any other block is skipped.
         */
        private boolean readBlock() throws IOException, AudioFileException {
            long elementStart = start;
            long elementSize = size;
            int elementId = id;
            if (elementSize < 1) {
                throw AudioFileException.corrupt("The " + name(elementId) + " at byte " + elementStart + " is "
                        + "empty.", elementStart);
            }
            int b = dataByte();
            int length = b == 0 ? 9 : Integer.numberOfLeadingZeros(b) - 23;
            if (length > 8 || length > elementSize) {
                throw AudioFileException.corrupt("The " + name(elementId) + " at byte " + elementStart + " has an "
                        + "invalid track number.", elementStart);
            }
            long track = b & 0xFF >> length;
            for (int i = 1; i < length; i++) {
                track = track << 8 | dataByte();
            }
            long rest = elementSize - length;
            if (!selected || track != opusTrack) {
                skipData(rest);
                return false;
            }
            if (rest < 3) {
                throw AudioFileException.corrupt("The " + name(elementId) + " at byte " + elementStart + " is too "
                        + "short for a block header.", elementStart);
            }
            if (rest > MAX_BLOCK_BYTES) {
                throw AudioFileException.corrupt("The " + name(elementId) + " at byte " + elementStart + " holds "
                        + rest + " bytes of Opus, more than any Opus block does (at most " + MAX_BLOCK_BYTES
                        + ").", elementStart);
            }
            blockId = elementId;
            blockStart = elementStart;
            blockLength = (int) rest;
            readData(block, blockLength);
            return true;
        }

        /**
         * Decodes the Opus block just read: its frames (one packet each) in order, less {@code discardPadding}
         * nanoseconds at the end.
         */
        private void decodeBlock(long discardPadding) throws AudioFileException {
            blocks++;
            int count = frames();
            long total = 0;
            for (int i = 0; i < count; i++) {
                int n = OpusFileDecoder.duration(block, frameStarts[i], frameLengths[i]);
                if (n == 0) {
                    throw undecodable(i, count);
                }
                total += n;
            }
            long keep = total - Math.min(total, toSamples(Math.max(0, discardPadding)));
            for (int i = 0; i < count; i++) {
                int n = opus.decode(block, frameStarts[i], frameLengths[i]);
                if (n <= 0) {
                    throw undecodable(i, count);
                }
                int emit = (int) Math.min(n, keep);
                opus.emit(emit);
                keep -= emit;
            }
        }

        /**
         * Splits the block into its frames by its lacing (Matroska's "Block Lacing": none, Xiph, fixed-size or
         * EBML), into {@link #frameStarts} and {@link #frameLengths}; returns the frame count.
         */
        private int frames() throws AudioFileException {
            int lacing = block[2] >> 1 & 3;
            if (lacing == 0) {
                frameStarts[0] = 3;
                frameLengths[0] = blockLength - 3;
                return 1;
            }
            if (blockLength < 4) {
                throw badLacing();
            }
            int count = (block[3] & 0xff) + 1;
            int p = 4;
            long laced = 0;
            if (lacing == 1) {
                for (int i = 0; i < count - 1; i++) {
                    int length = 0;
                    int b;
                    do {
                        if (p >= blockLength) {
                            throw badLacing();
                        }
                        b = block[p++] & 0xff;
                        length += b;
                    } while (b == 255);
                    frameLengths[i] = length;
                    laced += length;
                }
            } else if (lacing == 3) {
                long length = 0;
                for (int i = 0; i < count - 1; i++) {
                    if (p >= blockLength) {
                        throw badLacing();
                    }
                    int n = block[p] == 0 ? 9 : Integer.numberOfLeadingZeros(block[p] & 0xff) - 23;
                    if (n > 8 || p + n > blockLength) {
                        throw badLacing();
                    }
                    long v = block[p] & 0xFF >> n;
                    for (int k = 1; k < n; k++) {
                        v = v << 8 | block[p + k] & 0xff;
                    }
                    p += n;
                    // The first size as it is, the others as differences from the one before, biased to be signed.
                    length = i == 0 ? v : length + v - ((1L << 7 * n - 1) - 1);
                    if (length < 0 || length > blockLength) {
                        throw badLacing();
                    }
                    frameLengths[i] = (int) length;
                    laced += length;
                }
            }
            long rest = blockLength - p - laced;
            if (lacing == 2) {
                if (rest % count != 0) {
                    throw badLacing();
                }
                for (int i = 0; i < count; i++) {
                    frameLengths[i] = (int) (rest / count);
                }
            } else {
                if (rest < 0) {
                    throw badLacing();
                }
                frameLengths[count - 1] = (int) rest;
            }
            for (int i = 0; i < count; i++) {
                frameStarts[i] = p;
                p += frameLengths[i];
            }
            return count;
        }

        private AudioFileException badLacing() {
            return AudioFileException.corrupt("The lacing of Opus block " + blocks + " (" + name(blockId)
                    + " at byte " + blockStart + ") does not fit the block.", blockStart);
        }

        private AudioFileException undecodable(int frame, int count) {
            return AudioFileException.corrupt((count > 1 ? "Frame " + (frame + 1) + " of Opus block " : "Opus block ")
                    + blocks + " (" + name(blockId) + " at byte " + blockStart + ") could not be decoded.",
                    blockStart);
        }

        /**
         * Reads the next element's header, if one starts before {@code end}: the end of the element holding it,
         * given as {@code parentId} at {@code parentStart} (0 for none), or -1 when that runs to the end of the
         * file. Returns false at {@code end}, or at the end of the file if {@code end} is -1.
         */
        private boolean next(long end, int parentId, long parentStart) throws IOException, AudioFileException {
            start = in.position();
            if (end >= 0 && start >= end) {
                return false;
            }
            if (in.read(one, 0, 1) == 0) {
                if (end < 0) {
                    return false;
                }
                throw AudioFileException.truncated("The file ends at byte " + start + ", inside the "
                        + name(parentId) + " that starts at byte " + parentStart + ".", start);
            }
            int b = one[0] & 0xff;
            int length = b < 0x10 ? 5 : Integer.numberOfLeadingZeros(b) - 23;
            if (length > 4) {
                throw AudioFileException.corrupt("No valid element starts at byte " + start + (parentId == 0 ? ""
                        : ", inside the " + name(parentId) + " that starts at byte " + parentStart) + ".", start);
            }
            int value = b;
            for (int i = 1; i < length; i++) {
                value = value << 8 | readByte();
            }
            id = value;
            size = readSize();
            dataStart = in.position();
            if (size < 0 && id != SEGMENT && id != CLUSTER) {
                throw AudioFileException.corrupt("The " + name(id) + " at byte " + start + " has an unknown size, "
                        + "which only a Segment or a Cluster may have.", start);
            }
            if (size >= 0 && end >= 0 && dataStart + size > end) {
                throw AudioFileException.corrupt("The " + name(id) + " at byte " + start + " (" + size + " bytes) "
                        + "runs past the end of the " + name(parentId) + " that holds it, at byte " + end + ".",
                        start);
            }
            return true;
        }

        /** An element's data size, or -1 for an unknown size (all value bits set). */
        private long readSize() throws IOException, AudioFileException {
            int b = readByte();
            if (b == 0) {
                throw AudioFileException.corrupt("The " + name(id) + " at byte " + start + " has an invalid size "
                        + "field.", start);
            }
            int length = Integer.numberOfLeadingZeros(b) - 23;
            int mask = 0xFF >> length;
            long value = b & mask;
            boolean unknown = value == mask;
            for (int i = 1; i < length; i++) {
                int c = readByte();
                value = value << 8 | c;
                unknown &= c == 0xff;
            }
            return unknown ? -1 : value;
        }

        /** A byte of an element header. */
        private int readByte() throws IOException, AudioFileException {
            if (in.read(one, 0, 1) == 0) {
                throw truncatedHeader(start);
            }
            return one[0] & 0xff;
        }

        /** A byte of the current element's data. */
        private int dataByte() throws IOException, AudioFileException {
            if (in.read(one, 0, 1) == 0) {
                throw truncatedElement();
            }
            return one[0] & 0xff;
        }

        private AudioFileException truncatedHeader(long at) {
            return AudioFileException.truncated("The file ends inside the header of the element at byte " + at
                    + ".", in.position());
        }

        /** The element's data as an unsigned integer (at most 8 bytes). */
        private long readUnsigned() throws IOException, AudioFileException {
            if (size > 8) {
                throw AudioFileException.corrupt("The " + name(id) + " at byte " + start + " is " + size + " bytes "
                        + "long, too long for an integer.", start);
            }
            readData(text, (int) size);
            long v = 0;
            for (int i = 0; i < size; i++) {
                v = v << 8 | text[i] & 0xff;
            }
            return v;
        }

        /** The element's data as a two's complement signed integer (at most 8 bytes). */
        private long readSigned() throws IOException, AudioFileException {
            long v = readUnsigned();
            return size == 0 || size == 8 ? v : v << 64 - 8 * size >> 64 - 8 * size;
        }

        /**
         * The element's data as a string, without trailing NULs. Only its first bytes are kept, enough to tell
         * it from the names looked for; the rest is skipped. Characters other than printable ASCII become '?',
         * as the string may end up in a message.
         */
        private String readString() throws IOException, AudioFileException {
            int n = (int) Math.min(size, MAX_STRING_BYTES);
            readData(text, n);
            skipData(size - n);
            while (n > 0 && text[n - 1] == 0) {
                n--;
            }
            StringBuilder s = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                char c = (char) (text[i] & 0xff);
                s.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
            return size > MAX_STRING_BYTES ? s + "..." : s.toString();
        }

        /** Reads {@code length} bytes of the current element's data. */
        private void readData(byte[] into, int length) throws IOException, AudioFileException {
            if (in.read(into, 0, length) < length) {
                throw truncatedElement();
            }
        }

        /** Skips the rest of the current element's data, {@code count} bytes. */
        private void skipData(long count) throws IOException, AudioFileException {
            if (in.skip(count) < count) {
                throw truncatedElement();
            }
        }

        /** Skips the current element, which must be of known size. */
        private void skip() throws IOException, AudioFileException {
            if (size < 0) {
                throw AudioFileException.corrupt("The " + name(id) + " at byte " + start + " has an unknown size "
                        + "where only an element of known size may be.", start);
            }
            skipData(size);
        }

        private AudioFileException truncatedElement() {
            return AudioFileException.truncated("The file ends inside the " + name(id) + " that starts at byte "
                    + start + ".", in.position());
        }
    }

    /** Nanoseconds as samples at 48 kHz, rounded; {@code nanos} at most a few seconds' worth is meaningful. */
    private static long toSamples(long nanos) {
        long clamped = Math.min(nanos, 1_000 * NANOS_PER_SECOND);
        return (clamped * OpusFileDecoder.RATE + NANOS_PER_SECOND / 2) / NANOS_PER_SECOND;
    }

    private static int be32(byte[] b) {
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
    }

    /** An element's name for messages: Matroska's for those this reader knows, else its ID. */
    private static String name(int id) {
        return switch (id) {
            case EBML -> "EBML header";
            case SEGMENT -> "Segment";
            case SEEK_HEAD -> "SeekHead";
            case INFO -> "Info";
            case TRACKS -> "Tracks";
            case CLUSTER -> "Cluster";
            case CUES -> "Cues";
            case CHAPTERS -> "Chapters";
            case TAGS -> "Tags";
            case ATTACHMENTS -> "Attachments";
            case TRACK_ENTRY -> "TrackEntry";
            case TRACK_NUMBER -> "TrackNumber";
            case TRACK_TYPE -> "TrackType";
            case CODEC_ID -> "CodecID";
            case CODEC_PRIVATE -> "CodecPrivate";
            case CODEC_DELAY -> "CodecDelay";
            case SIMPLE_BLOCK -> "SimpleBlock";
            case BLOCK_GROUP -> "BlockGroup";
            case BLOCK -> "Block";
            case DISCARD_PADDING -> "DiscardPadding";
            case DOC_TYPE -> "DocType";
            case EBML_READ_VERSION -> "EBMLReadVersion";
            default -> String.format("element 0x%X", id);
        };
    }
}
