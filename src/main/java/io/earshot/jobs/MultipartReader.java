package io.earshot.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@code multipart/form-data} body part by part as it streams in (RFC 7578), so an uploaded file goes
 * to disk without being held in memory. Each part's body is an {@link InputStream} that ends at the next
 * boundary; {@link #next} skips whatever of the previous part was not read. Header blocks are bounded
 * ({@link #MAX_HEADER_BYTES}).
 */
final class MultipartReader {

    static final int MAX_HEADER_BYTES = 8_192;
    private static final int BUFFER = 65_536;

    /** One part: its headers (names lower-cased) and its body. */
    record Part(Map<String, String> headers, InputStream body) {
        /** The {@code name} parameter of its Content-Disposition. */
        String name() {
            return parameter(headers.getOrDefault("content-disposition", ""), "name");
        }

        /** The {@code filename} parameter of its Content-Disposition, or null. */
        String filename() {
            return parameter(headers.getOrDefault("content-disposition", ""), "filename");
        }

        String contentType() {
            return headers.get("content-type");
        }
    }

    /** The body is not well-formed multipart. */
    static final class MalformedException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }

        /** The client's answer: 400, the body is not what it says. */
        JobRefusal refusal() {
            return new JobRefusal(400, "bad_request", "The multipart body is not well-formed: " + getMessage() + ".");
        }
    }

    private final InputStream in;
    private final byte[] delimiter; // CRLF--boundary
    private final byte[] buf;
    // The reading state below belongs to the one request thread that reads the body: no lock.
    private int start;
    private int end;
    private boolean eof;
    private boolean finished;
    private PartStream current;

    MultipartReader(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = new byte[BUFFER + delimiter.length];
        // The first boundary may come without the CRLF before it: pretend it was there.
        buf[0] = '\r';
        buf[1] = '\n';
        end = 2;
    }

    /** The {@code boundary} parameter of a multipart Content-Type, or null. */
    static String boundary(String contentType) {
        String b = parameter(contentType == null ? "" : contentType, "boundary");
        return b == null || b.isEmpty() || b.length() > 70 ? null : b;
    }

    /** The next part, or null after the closing boundary. */
    Part next() throws IOException {
        if (finished) {
            return null;
        }
        if (current != null) {
            current.skipAll();
        } else {
            // preamble: up to and including the first delimiter
            new PartStream().skipAll();
        }
        // after a delimiter: "--" ends the body, CRLF starts a part
        fill(2);
        if (end - start >= 2 && buf[start] == '-' && buf[start + 1] == '-') {
            finished = true;
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String line = line(); // the rest of the boundary line (transport padding)
        if (!line.isBlank()) {
            throw new MalformedException("unexpected text after a boundary");
        }
        int total = 0;
        while (true) {
            line = line();
            total += line.length() + 2;
            if (total > MAX_HEADER_BYTES) {
                throw new MalformedException("a part's headers are longer than " + MAX_HEADER_BYTES + " bytes");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new MalformedException("a part header without a colon");
            }
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        current = new PartStream();
        return new Part(headers, current);
    }

    /** One header line, read as UTF-8 (browsers send file names that way), without its line end. */
    private String line() throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        while (true) {
            fill(1);
            if (start >= end) {
                throw new MalformedException("the body ends inside a part's headers");
            }
            byte c = buf[start++];
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            if (b.size() > MAX_HEADER_BYTES) {
                throw new MalformedException("a part header line is too long");
            }
            b.write(c);
        }
    }

    /** Tries to have at least {@code n} bytes buffered (fewer at the end of the stream). */
    private void fill(int n) throws IOException {
        if (end - start >= n || eof) {
            return;
        }
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        while (end - start < n && !eof) {
            int r = in.read(buf, end, buf.length - end);
            if (r < 0) {
                eof = true;
            } else {
                end += r;
            }
        }
    }

    /** A part's body: the bytes up to the next delimiter. */
    private final class PartStream extends InputStream {
        private boolean done;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            fill(delimiter.length + 1);
            int found = indexOf(buf, start, end, delimiter);
            if (found == start) {
                start += delimiter.length;
                done = true;
                return -1;
            }
            if (found < 0 && end - start < delimiter.length) {
                if (eof) {
                    throw new MalformedException("the body ends without its closing boundary");
                }
            }
            // bytes that cannot begin the delimiter are safe to hand out
            int safe = found >= 0 ? found : Math.max(start, end - delimiter.length + 1);
            int n = Math.min(len, safe - start);
            if (n <= 0) {
                fill(end - start + 1);
                return read(b, off, len);
            }
            System.arraycopy(buf, start, b, off, n);
            start += n;
            return n;
        }

        void skipAll() throws IOException {
            byte[] sink = new byte[8192];
            while (read(sink, 0, sink.length) >= 0) {
                // discard
            }
        }
    }

    private static int indexOf(byte[] a, int from, int to, byte[] pattern) {
        outer:
        for (int i = from; i <= to - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A parameter of a header value such as {@code form-data; name="file"; filename="a.wav"}, or null. */
    static String parameter(String header, String name) {
        // split on the semicolons outside quoted strings
        java.util.List<String> parts = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (quoted && c == '\\' && i + 1 < header.length()) {
                cur.append(c).append(header.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        for (String p : parts) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase(name)) {
                String v = p.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    // Only \" is unescaped: browsers never escape backslashes, and old ones send Windows paths.
                    v = v.substring(1, v.length() - 1).replace("\\\"", "\"");
                }
                return v;
            }
        }
        return null;
    }
}
