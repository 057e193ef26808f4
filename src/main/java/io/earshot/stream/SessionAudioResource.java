package io.earshot.stream;

import io.earshot.api.ApiError;
import io.earshot.api.Credential;
import io.earshot.audio.AudioCodec;
import io.earshot.audio.BadAudioException;
import io.earshot.audio.DecodedLength;
import io.earshot.audio.EngineFormat;
import io.earshot.audio.PacketDecoder;
import io.earshot.audio.PcmSink;
import io.earshot.security.Access;
import io.earshot.spool.SessionManifest;
import io.earshot.spool.SessionStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code GET /v1/sessions/{id}/audio}: a session's stored audio, decoded as the engine hears it (16 kHz mono
 * 16-bit WAV), for the client that holds the session's resume token. It serves live, detached and ended
 * sessions alike, as long as the spool directory exists, so a client whose stream failed can always get back
 * what the server acknowledged.
 *
 * <p>The response is streamed: a first pass over the spool counts the chunks and the samples they decode to
 * (without decoding), so the exact {@code Content-Length} is known before the first byte; the second pass
 * decodes with a fresh decoder of the session's codec. Memory is one chunk and the decoder. Decoding costs
 * CPU, so at most {@code earshot.limits.max-audio-downloads} run at once.
 */
@Credential(Access.SCOPE_STREAM)
@Path("sessions/{id}/audio")
public class SessionAudioResource {

    public static final String TOKEN_HEADER = "Earshot-Session-Token";
    public static final String CHUNKS_HEADER = "Earshot-Chunks";

    private static final Logger LOG = Logger.getLogger(SessionAudioResource.class.getName());
    private static final int WAV_HEADER_BYTES = 44;
    /** A RIFF size field is 32 bits: about 37 hours of 16 kHz mono 16-bit audio. */
    private static final long MAX_WAV_DATA_BYTES = 0xFFFF_FFFFL - (WAV_HEADER_BYTES - 8);

    @Inject
    SessionRegistry registry;

    /** The request, for its caller ({@link io.earshot.api.Caller}). */
    @jakarta.ws.rs.core.Context
    jakarta.servlet.http.HttpServletRequest http;

    @GET
    public Response get(@PathParam("id") String id, @HeaderParam(TOKEN_HEADER) String token) {
        return respond(id, token, true);
    }

    @HEAD
    public Response head(@PathParam("id") String id, @HeaderParam(TOKEN_HEADER) String token) {
        return respond(id, token, false);
    }

    private Response respond(String id, String token, boolean body) {
        if (token == null || token.isBlank()) {
            return tokenRequired();
        }
        Stored stored;
        try {
            stored = Stored.read(registry.store(), id, token, io.earshot.api.Caller.name(http));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read the spool of session " + id, e);
            return ApiError.response(Response.Status.INTERNAL_SERVER_ERROR, "storage_failed",
                    "The session's stored audio cannot be read.");
        }
        // One answer for unknown sessions and wrong tokens: nothing to learn by probing.
        if (stored == null) {
            return ApiError.response(Response.Status.NOT_FOUND, "session_not_found",
                    "No session with this id and token is stored on this server.");
        }
        if (stored.dataBytes() > MAX_WAV_DATA_BYTES) {
            return ApiError.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, "audio_too_long",
                    "The session's audio is longer than a WAV file can hold (about 37 hours).");
        }
        Response.ResponseBuilder ok = Response.ok().type("audio/wav")
                .header("Content-Length", WAV_HEADER_BYTES + stored.dataBytes())
                .header(CHUNKS_HEADER, stored.chunks())
                .header("Cache-Control", "no-store")
                .header("Accept-Ranges", "none")
                .header("Content-Disposition", "inline; filename=\"" + id + ".wav\"");
        if (!body) {
            return ok.build();
        }
        if (!registry.tryStartDownload()) {
            return ApiError.builder(Response.Status.SERVICE_UNAVAILABLE, "server_busy",
                    "Too many session audio downloads are running; try again shortly.")
                    .header("Retry-After", Math.max(1, (registry.config().retryAfterMs + 999) / 1000)).build();
        }
        StreamingOutput output = out -> {
            try {
                stored.write(out);
            } finally {
                registry.downloadDone();
            }
        };
        return ok.entity(output).build();
    }

    /**
     * The session's manifest, or null when it is not stored, the token is not the session's, or the caller (an
     * identity's name) is not the identity that started it.
     */
    static SessionManifest admitted(SessionStore store, String id, String token, String caller) throws IOException {
        return store.manifest(id).filter(m -> m.admits(token, caller)).orElse(null);
    }

    /** 401 for a request without the session's token. */
    static Response tokenRequired() {
        return ApiError.builder(Response.Status.UNAUTHORIZED, "token_required",
                "Send the session's resume token in the " + TOKEN_HEADER + " header.")
                .header("WWW-Authenticate", TOKEN_HEADER).build();
    }

    /** What the first pass found: the session's format and the snapshot of its chunks. */
    private record Stored(SessionStore store, String id, AudioCodec codec, int rate, int channels, long chunks,
            long samples) {

        /** Reads the session's description and counts its chunks, or returns null if the token is not its own. */
        static Stored read(SessionStore store, String id, String token, String caller) throws IOException {
            SessionManifest m = admitted(store, id, token, caller);
            if (m == null) {
                return null;
            }
            AudioCodec codec = AudioCodec.fromWire(m.codec());
            int rate = m.sampleRate();
            int channels = m.channels();
            if (codec == null || !codec.supportsRate(rate) || !AudioCodec.CHANNELS.contains(channels)) {
                throw new IOException("session.json names no valid format");
            }
            DecodedLength length = new DecodedLength(codec, rate, channels);
            long chunks = store.readChunks(id, Long.MAX_VALUE, (seq, data, n) -> length.add(data, 0, n));
            return new Stored(store, id, codec, rate, channels, chunks, length.engineSamples());
        }

        long dataBytes() {
            return samples * 2;
        }

        /** The WAV header, then exactly the promised samples: decoded, cut or padded with silence to the count. */
        void write(OutputStream raw) throws IOException {
            OutputStream out = new BufferedOutputStream(raw, 65_536);
            out.write(wavHeader(dataBytes()));
            Writer writer = new Writer(out, samples);
            PacketDecoder decoder = codec.newDecoder(rate, channels, writer);
            try {
                store.readChunks(id, chunks, (seq, data, n) -> {
                    try {
                        decoder.decode(data, 0, n);
                    } catch (BadAudioException e) {
                        // Concealed as silence by the decoder, as on the live stream.
                    }
                });
                decoder.finish();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            writer.pad();
            out.flush();
        }
    }

    /** Writes samples as 16-bit little-endian, never more than the count promised. */
    private static final class Writer implements PcmSink {
        private final OutputStream out;
        private final byte[] bytes = new byte[8192];
        private long left;

        Writer(OutputStream out, long promised) {
            this.out = out;
            this.left = promised;
        }

        @Override
        public void accept(short[] data, int offset, int count) {
            try {
                int n = (int) Math.min(count, left);
                EngineFormat.writeLittleEndian(data, offset, n, bytes, out);
                left -= n;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void pad() throws IOException {
            java.util.Arrays.fill(bytes, (byte) 0);
            while (left > 0) {
                int k = (int) Math.min(left, bytes.length / 2);
                out.write(bytes, 0, 2 * k);
                left -= k;
            }
        }
    }

    /** A canonical 44-byte header: PCM, 16 kHz, mono, 16-bit. */
    static byte[] wavHeader(long dataBytes) {
        byte[] h = new byte[WAV_HEADER_BYTES];
        put(h, 0, "RIFF");
        le32(h, 4, WAV_HEADER_BYTES - 8 + dataBytes);
        put(h, 8, "WAVEfmt ");
        le32(h, 16, 16);
        le16(h, 20, 1);
        le16(h, 22, 1);
        le32(h, 24, EngineFormat.SAMPLE_RATE);
        le32(h, 28, EngineFormat.SAMPLE_RATE * 2L);
        le16(h, 32, 2);
        le16(h, 34, 16);
        put(h, 36, "data");
        le32(h, 40, dataBytes);
        return h;
    }

    private static void put(byte[] b, int p, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            b[p + i] = (byte) ascii.charAt(i);
        }
    }

    private static void le16(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
    }

    private static void le32(byte[] b, int p, long v) {
        for (int i = 0; i < 4; i++) {
            b[p + i] = (byte) (v >>> 8 * i);
        }
    }
}
