package io.earshot.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * multipart/form-data read as it streams: fields then a file whose bytes contain CR LF and pieces of the
 * delimiter, with or without a preamble and a CR LF before the first boundary, from streams that hand out
 * any number of bytes a read; and the bodies it refuses.
 */
class MultipartReaderTest {

    private static final String BOUNDARY = "----EarshotBoundary7MA4YWxk";

    /** A part as read: headers, name, filename, content type and the whole body. */
    private record Read(Map<String, String> headers, String name, String filename, String contentType,
            byte[] body) {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Bytes of every value, CR LF, and delimiter look-alikes that stop short (also at the very end). */
    private static byte[] trickyFile(int randomBytes) {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        byte[] random = new byte[randomBytes];
        new Random(7).nextBytes(random);
        return concat(all, ascii("\r\n"), ascii("\r\n--bound"), ascii("\r\n\r\n--"), ascii("\r\n--" + BOUNDARY
                .substring(0, BOUNDARY.length() - 1)), ascii("--\r\n"), ascii("\r\r\n-\n--"), random,
                ascii("\r\n--" + BOUNDARY.substring(0, 10)), ascii("\r\n--bound"), ascii("\r"));
    }

    private static byte[] form(String preamble, boolean leadingCrlf, byte[] file) {
        String d = "--" + BOUNDARY;
        return concat(ascii(preamble), ascii(leadingCrlf ? "\r\n" : ""),
                ascii(d + "\r\n"
                        + "Content-Disposition: form-data; name=\"align\"\r\n\r\n"
                        + "false\r\n"
                        + d + "\r\n"
                        + "Content-Disposition: form-data; name=\"diarize\"\r\n"
                        + "Content-Type: text/plain\r\n\r\n"
                        + "true\r\n"
                        + d + "\r\n"
                        + "content-disposition: form-data; name=\"file\"; filename=\"talk.wav\"\r\n"
                        + "Content-Type: audio/wav\r\n\r\n"),
                file,
                ascii("\r\n" + d + "--\r\nepilogue, ignored\r\n"));
    }

    private static List<Read> readAll(InputStream in, String boundary, boolean oneByteReads) throws IOException {
        MultipartReader r = new MultipartReader(in, boundary);
        List<Read> parts = new ArrayList<>();
        MultipartReader.Part p;
        while ((p = r.next()) != null) {
            byte[] body;
            if (oneByteReads) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int b;
                while ((b = p.body().read()) >= 0) {
                    out.write(b);
                }
                body = out.toByteArray();
            } else {
                body = p.body().readAllBytes();
            }
            parts.add(new Read(p.headers(), p.name(), p.filename(), p.contentType(), body));
        }
        assertNull(r.next(), "after the closing boundary");
        return parts;
    }

    private static void assertForm(byte[] file, List<Read> parts) {
        assertEquals(3, parts.size());
        assertEquals("align", parts.get(0).name());
        assertNull(parts.get(0).filename());
        assertNull(parts.get(0).contentType());
        assertEquals("false", new String(parts.get(0).body(), StandardCharsets.US_ASCII));
        assertEquals("diarize", parts.get(1).name());
        assertEquals("text/plain", parts.get(1).contentType());
        assertEquals("true", new String(parts.get(1).body(), StandardCharsets.US_ASCII));
        Read f = parts.get(2);
        assertEquals("file", f.name());
        assertEquals("talk.wav", f.filename());
        assertEquals("audio/wav", f.contentType());
        assertEquals(Map.of("content-disposition", "form-data; name=\"file\"; filename=\"talk.wav\"",
                "content-type", "audio/wav"), f.headers());
        assertArrayEquals(file, f.body());
    }

    /** Hands out 1 to 7 bytes a read, in a fixed pseudo-random pattern. */
    private static final class SlowStream extends FilterInputStream {
        private final Random random = new Random(42);

        SlowStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1 + random.nextInt(7)));
        }
    }

    /** Hands out one byte a read. */
    private static final class OneByteStream extends FilterInputStream {
        OneByteStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1));
        }
    }

    @Test
    void fieldsThenAFileWithDelimiterLookAlikes() throws IOException {
        byte[] file = trickyFile(1_000);

        assertForm(file, readAll(new ByteArrayInputStream(form("", false, file)), BOUNDARY, false));
    }

    @Test
    void fileLargerThanTheBufferAndLookAlikesAcrossItsEdge() throws IOException {
        // the look-alikes land around the 64 KiB buffer's end as well as in the middle
        for (int size : new int[] {65_000, 65_400, 65_536, 200_000}) {
            byte[] file = concat(trickyFile(size), trickyFile(10));

            assertForm(file, readAll(new ByteArrayInputStream(form("", false, file)), BOUNDARY, false));
        }
    }

    @Test
    void oneByteReadsAndSlowStreamsGiveTheSameParts() throws IOException {
        byte[] file = trickyFile(70_000);
        byte[] body = form("", false, file);

        List<Read> whole = readAll(new ByteArrayInputStream(body), BOUNDARY, false);
        List<Read> oneByteCalls = readAll(new ByteArrayInputStream(body), BOUNDARY, true);
        List<Read> oneByteStream = readAll(new OneByteStream(new ByteArrayInputStream(body)), BOUNDARY, false);
        List<Read> slow = readAll(new SlowStream(new ByteArrayInputStream(body)), BOUNDARY, false);
        List<Read> slowOneByteCalls = readAll(new SlowStream(new ByteArrayInputStream(body)), BOUNDARY, true);

        assertForm(file, whole);
        for (List<Read> other : List.of(oneByteCalls, oneByteStream, slow, slowOneByteCalls)) {
            assertForm(file, other);
        }
    }

    @Test
    void preambleAndCrlfBeforeTheFirstBoundaryAreSkipped() throws IOException {
        byte[] file = trickyFile(100);
        String preamble = "This is the preamble.\r\n--not the boundary\r\nIt is ignored.\r\n";

        assertForm(file, readAll(new ByteArrayInputStream(form(preamble, false, file)), BOUNDARY, false));
        assertForm(file, readAll(new ByteArrayInputStream(form("", true, file)), BOUNDARY, false));
        assertForm(file, readAll(new SlowStream(new ByteArrayInputStream(form(preamble, true, file))), BOUNDARY,
                false));
    }

    @Test
    void nextSkipsWhatWasNotReadOfAPart() throws IOException {
        byte[] file = trickyFile(100_000);
        MultipartReader r = new MultipartReader(new ByteArrayInputStream(form("", false, file)), BOUNDARY);

        assertEquals("align", r.next().name());
        MultipartReader.Part diarize = r.next();
        assertEquals('t', diarize.body().read());
        MultipartReader.Part f = r.next();
        assertEquals("file", f.name());
        assertEquals(0, f.body().read(new byte[10], 0, 0));
        f.body().readNBytes(12_345);
        assertNull(r.next());
    }

    @Test
    void emptyFormAndEmptyParts() throws IOException {
        assertEquals(List.of(), readAll(new ByteArrayInputStream(ascii("--b--\r\n")), "b", false));
        List<Read> parts = readAll(new ByteArrayInputStream(ascii(
                "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--b\r\n\r\n\r\n--b--")), "b", false);
        assertEquals(2, parts.size());
        assertEquals(0, parts.get(0).body().length);
        assertEquals("a", parts.get(0).name());
        assertNull(parts.get(1).name());
        assertEquals(0, parts.get(1).body().length);
    }

    @Test
    void transportPaddingAfterABoundaryIsAllowed() throws IOException {
        List<Read> parts = readAll(new ByteArrayInputStream(ascii(
                "--b \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--")), "b", false);

        assertEquals(1, parts.size());
        assertEquals("x", new String(parts.get(0).body(), StandardCharsets.US_ASCII));
    }

    @Test
    void textAfterABoundaryIsMalformed() {
        byte[] body = ascii("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--bc\r\n\r\ny\r\n--b--");

        assertThrows(MultipartReader.MalformedException.class,
                () -> readAll(new ByteArrayInputStream(body), "b", false));
    }

    @Test
    void missingClosingBoundaryIsMalformed() {
        byte[] file = trickyFile(80_000);
        byte[] whole = form("", false, file);
        // cut inside the file, inside the delimiter after it, and right after that delimiter
        int cut = whole.length - ascii("--\r\nepilogue, ignored\r\n").length;
        for (byte[] body : List.of(Arrays.copyOf(whole, whole.length - 200),
                Arrays.copyOf(whole, cut - BOUNDARY.length() - 3), Arrays.copyOf(whole, cut))) {
            for (Function<byte[], InputStream> source : List.<Function<byte[], InputStream>>of(
                    ByteArrayInputStream::new, b -> new SlowStream(new ByteArrayInputStream(b)))) {
                assertThrows(MultipartReader.MalformedException.class, () -> readAll(source.apply(body), BOUNDARY,
                        false));
            }
        }
        assertThrows(MultipartReader.MalformedException.class, () -> readAll(new ByteArrayInputStream(ascii(
                "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n")), "b", false));
        assertThrows(MultipartReader.MalformedException.class, () -> readAll(new ByteArrayInputStream(ascii(
                "no boundary at all")), "b", false));
    }

    @Test
    void fileCutOffBeforeItsDelimiterFailsItsOwnBody() throws IOException {
        // the file's stream itself must fail, not end, or a truncated upload would be taken as whole
        byte[] whole = form("", false, trickyFile(80_000));
        for (int cut : new int[] {whole.length - 200, whole.length - 60, whole.length - 40}) {
            MultipartReader r = new MultipartReader(new SlowStream(new ByteArrayInputStream(
                    Arrays.copyOf(whole, cut))), BOUNDARY);
            r.next();
            r.next();
            MultipartReader.Part f = r.next();
            assertEquals("file", f.name());
            assertThrows(MultipartReader.MalformedException.class, () -> f.body().readAllBytes(), () -> "cut at "
                    + cut + " of " + whole.length);
        }
    }

    @Test
    void headersLongerThanTheLimitAreMalformed() {
        String longLine = "X-Long: " + "a".repeat(MultipartReader.MAX_HEADER_BYTES);
        byte[] oneLine = ascii("--b\r\n" + longLine + "\r\n\r\nx\r\n--b--");
        assertThrows(MultipartReader.MalformedException.class,
                () -> readAll(new ByteArrayInputStream(oneLine), "b", false));

        StringBuilder many = new StringBuilder("--b\r\n");
        for (int i = 0; i < 200; i++) {
            many.append("X-Header-").append(i).append(": ").append("v".repeat(40)).append("\r\n");
        }
        many.append("\r\nx\r\n--b--");
        assertThrows(MultipartReader.MalformedException.class,
                () -> readAll(new ByteArrayInputStream(ascii(many.toString())), "b", false));

        // just within the limit is fine
        StringBuilder fits = new StringBuilder("--b\r\n");
        for (int i = 0; i < 100; i++) {
            fits.append("X-Header-").append(i).append(": ").append("v".repeat(40)).append("\r\n");
        }
        fits.append("\r\nx\r\n--b--");
        assertEquals(1, assertDoesNotThrowRead(ascii(fits.toString())).size());
    }

    @Test
    void headerWithoutColonIsMalformed() {
        assertThrows(MultipartReader.MalformedException.class, () -> readAll(new ByteArrayInputStream(ascii(
                "--b\r\nContent-Disposition form-data\r\n\r\nx\r\n--b--")), "b", false));
    }

    private static List<Read> assertDoesNotThrowRead(byte[] body) {
        try {
            return readAll(new ByteArrayInputStream(body), "b", false);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void boundaryFromContentType() {
        assertEquals("----WebKitFormBoundary7MA4YWxkTrZu0gW", MultipartReader.boundary(
                "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"));
        assertEquals("a b:c,d", MultipartReader.boundary("multipart/form-data; boundary=\"a b:c,d\""));
        assertEquals("xyz", MultipartReader.boundary("Multipart/Form-Data; charset=utf-8; BOUNDARY=xyz"));
        assertEquals("x".repeat(70), MultipartReader.boundary("multipart/form-data; boundary=" + "x".repeat(70)));
        assertNull(MultipartReader.boundary("multipart/form-data; boundary=" + "x".repeat(71)));
        assertNull(MultipartReader.boundary("multipart/form-data"));
        assertNull(MultipartReader.boundary("multipart/form-data; boundary="));
        assertNull(MultipartReader.boundary("multipart/form-data; boundary=\"\""));
        assertNull(MultipartReader.boundary(null));
    }

    @Test
    void quotedBoundaryReadsTheForm() throws IOException {
        String boundary = MultipartReader.boundary("multipart/form-data; boundary=\"" + BOUNDARY + "\"");
        byte[] file = trickyFile(300);

        assertForm(file, readAll(new ByteArrayInputStream(form("", false, file)), boundary, false));
    }

    @Test
    void partNameAndFilenameFromContentDisposition() {
        MultipartReader.Part p = new MultipartReader.Part(Map.of("content-disposition",
                "form-data; filename=\"my talk.wav\"; name=file"), InputStream.nullInputStream());

        assertEquals("file", p.name());
        assertEquals("my talk.wav", p.filename());
        assertNull(new MultipartReader.Part(Map.of(), InputStream.nullInputStream()).name());
    }

    @Test
    void quotedParametersMayHoldSemicolonsAndEscapedQuotes() {
        assertEquals("a;b.wav", MultipartReader.parameter("form-data; name=file; filename=\"a;b.wav\"", "filename"));
        assertEquals("file", MultipartReader.parameter("form-data; filename=\"a;b.wav\"; name=file", "name"));
        assertEquals("say \"hi\".wav", MultipartReader.parameter("form-data; filename=\"say \\\"hi\\\".wav\"",
                "filename"));
        assertEquals("x;y", MultipartReader.boundary("multipart/form-data; boundary=\"x;y\""));
        // backslashes are kept: browsers do not escape them, and old ones send Windows paths
        assertEquals("C:\\rec\\talk.wav", MultipartReader.parameter("form-data; filename=\"C:\\rec\\talk.wav\"",
                "filename"));
    }

    @Test
    void headersAreReadAsUtf8() throws IOException {
        byte[] body = concat(ascii("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\""),
                "café 🎤.wav".getBytes(java.nio.charset.StandardCharsets.UTF_8), ascii("\"\r\n\r\nxyz\r\n--b--\r\n"));
        MultipartReader r = new MultipartReader(new ByteArrayInputStream(body), "b");
        MultipartReader.Part p = r.next();
        assertEquals("café 🎤.wav", p.filename());
        assertEquals("xyz", new String(p.body().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
        assertNull(r.next());
    }
}
