package io.earshot.audio.file;

import io.earshot.audio.PcmSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Picks the reader for an upload from its {@code Content-Type}. WAV, Ogg Opus and WebM describe themselves, so
 * a missing or generic type ({@code application/octet-stream}) is served by a reader that looks at the file's
 * first bytes; headerless PCM cannot be recognised and needs {@code audio/L16} with its rate. WebM is taken as
 * {@code video/webm} too, the type browsers give a MediaRecorder recording that may have held video.
 */
public final class AudioFiles {

    /** The media types uploads may declare, as told to a client whose type is refused. */
    public static final List<String> ACCEPTED_TYPES = List.of("audio/wav", "audio/wave", "audio/x-wav",
            "audio/vnd.wave", "audio/ogg", "audio/opus", "audio/webm", "video/webm", "audio/x-matroska", "video/x-matroska",
            "audio/L16;rate=<Hz>[;channels=<1|2>]",
            "application/octet-stream");

    private static final List<String> WAV_TYPES = List.of("audio/wav", "audio/wave", "audio/x-wav",
            "audio/vnd.wave");
    private static final List<String> OGG_TYPES = List.of("audio/ogg", "audio/opus");
    private static final List<String> WEBM_TYPES = List.of("audio/webm", "video/webm", "audio/x-matroska",
            "video/x-matroska");

    private AudioFiles() {
    }

    /**
     * The reader for a {@code Content-Type} value (type, subtype and parameters, matched without regard to
     * case); null or blank means unknown, like {@code application/octet-stream}.
     *
     * @throws AudioFileException (unsupported) for a type not accepted or a parameter that is missing or bad
     */
    public static AudioFileReader forMediaType(String contentType) throws AudioFileException {
        if (contentType == null || contentType.isBlank()) {
            return new SniffingReader();
        }
        Map<String, String> params = new HashMap<>();
        String type = parse(contentType, params);
        if (type.equals("application/octet-stream")) {
            return new SniffingReader();
        }
        if (WAV_TYPES.contains(type)) {
            return new WavReader();
        }
        if (OGG_TYPES.contains(type)) {
            String codecs = params.get("codecs");
            if (codecs != null && !codecs.strip().equalsIgnoreCase("opus")) {
                throw AudioFileException.unsupported("Ogg files with codecs \"" + codecs + "\" are not supported: "
                        + "only Ogg Opus is.");
            }
            return new OggOpusReader();
        }
        if (WEBM_TYPES.contains(type)) {
            // A recording with video ("vp8,opus") is taken for its Opus track; the video is skipped.
            String codecs = params.get("codecs");
            if (codecs != null && Arrays.stream(codecs.split(",")).map(String::strip)
                    .noneMatch(c -> c.equalsIgnoreCase("opus"))) {
                throw AudioFileException.unsupported("WebM files with codecs \"" + codecs + "\" are not supported: "
                        + "only WebM with Opus audio is.");
            }
            return new WebmOpusReader();
        }
        if (type.equals("audio/l16")) {
            String rate = params.get("rate");
            if (rate == null) {
                throw AudioFileException.unsupported("audio/L16 needs a rate parameter, for example "
                        + "\"audio/L16; rate=16000\".");
            }
            return new RawPcmReader(number("rate", rate), number("channels", params.getOrDefault("channels", "1")),
                    ByteOrder.BIG_ENDIAN);
        }
        throw AudioFileException.unsupported("Content type \"" + type + "\" is not supported: send one of "
                + PcmLimits.list(ACCEPTED_TYPES) + ".");
    }

    /**
     * Splits {@code type/subtype; name=value; name="quoted \"value\""} into the lower-case type and the
     * parameters (lower-case names; values unquoted, otherwise as given).
     */
    private static String parse(String value, Map<String, String> params) throws AudioFileException {
        int n = value.length();
        int p = value.indexOf(';');
        String type = (p < 0 ? value : value.substring(0, p)).strip().toLowerCase(Locale.ROOT);
        if (!type.matches("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")) {
            throw AudioFileException.unsupported("\"" + value.strip() + "\" is not a valid content type.");
        }
        while (p >= 0 && p < n) {
            // value[p] is the ';' before a parameter.
            int eq = value.indexOf('=', p);
            int semi = value.indexOf(';', p + 1);
            if (eq < 0 || semi >= 0 && semi < eq) {
                if (!value.substring(p + 1, semi < 0 ? n : semi).isBlank()) {
                    throw badParameters(value);
                }
                p = semi;
                continue;
            }
            String name = value.substring(p + 1, eq).strip().toLowerCase(Locale.ROOT);
            p = eq + 1;
            while (p < n && Character.isWhitespace(value.charAt(p))) {
                p++;
            }
            StringBuilder v = new StringBuilder();
            if (p < n && value.charAt(p) == '"') {
                for (p++; p < n && value.charAt(p) != '"'; p++) {
                    if (value.charAt(p) == '\\' && p + 1 < n) {
                        p++;
                    }
                    v.append(value.charAt(p));
                }
                if (p == n) {
                    throw badParameters(value);
                }
                semi = value.indexOf(';', p);
                if (!value.substring(p + 1, semi < 0 ? n : semi).isBlank()) {
                    throw badParameters(value);
                }
            } else {
                semi = value.indexOf(';', p);
                v.append(value, p, semi < 0 ? n : semi);
            }
            if (name.isEmpty()) {
                throw badParameters(value);
            }
            params.put(name, v.toString().strip());
            p = semi;
        }
        return type;
    }

    private static AudioFileException badParameters(String value) {
        return AudioFileException.unsupported("The parameters of content type \"" + value.strip()
                + "\" cannot be read.");
    }

    private static int number(String name, String value) throws AudioFileException {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw AudioFileException.unsupported("The " + name + " parameter \"" + value + "\" is not a whole "
                    + "number.");
        }
    }

    /**
     * For uploads of unknown type: picks WAV, Ogg Opus or WebM by the first four bytes, and names the common
     * formats it does not take so the client learns what it sent.
     */
    private static final class SniffingReader implements AudioFileReader {

        @Override
        public AudioFileInfo read(InputStream in, PcmSink sink) throws IOException, AudioFileException {
            PushbackInputStream pushback = new PushbackInputStream(in, 4);
            byte[] magic = new byte[4];
            int n = new ByteInput(pushback).read(magic, 0, 4);
            pushback.unread(magic, 0, n);
            String m = new String(magic, 0, n, StandardCharsets.ISO_8859_1);
            if (n == 0) {
                throw AudioFileException.truncated("The file is empty.", 0);
            }
            if (m.equals("RIFF") || m.equals("RF64") || m.equals("BW64") || m.equals("RIFX")) {
                return new WavReader().read(pushback, sink);
            }
            if (m.equals("OggS")) {
                return new OggOpusReader().read(pushback, sink);
            }
            if (m.equals("\u001aE\u00df\u00a3")) {
                return new WebmOpusReader().read(pushback, sink);
            }
            String kind = m.equals("fLaC") ? "FLAC"
                    : m.startsWith("ID3") || n >= 2 && (magic[0] & 0xff) == 0xff && (magic[1] & 0xe0) == 0xe0 ? "MP3"
                    : null;
            throw AudioFileException.unsupported((kind == null ? "The file's format is not recognised"
                    : "The file is " + kind + ", which is not supported") + ": send WAV, Ogg Opus or WebM Opus, or "
                    + "raw PCM declared as \"audio/L16; rate=<Hz>\".");
        }
    }
}
