package dev.orders.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written: what {@code java.net.http.HttpClient} and REST Assured refuse
 * to send (a NUL or a raw non-ASCII byte in the request line or a header, a malformed percent escape, a method such as
 * TRACE, an unnormalised {@code ..}), so hostile-input tests can send it. One request per connection
 * ({@code Connection: close}); the reply is read to the end. {@link Connection} keeps one open for several requests.
 */
public final class RawHttp {
    private static final int TIMEOUT_MILLIS = 15_000;

    private RawHttp() {
    }

    /** A request; {@link #target} and header values go on the wire as ISO-8859-1, one byte per char. */
    public record Request(String method, String target, List<String[]> headers, byte[] body) {
        public Request {
            headers = List.copyOf(headers);
            body = body == null ? new byte[0] : body;
        }

        public static Request of(String method, String target) {
            return new Request(method, target, List.of(), null);
        }

        /** Adds a header; a value holding chars above U+00FF goes out as its UTF-8 bytes. */
        public Request header(String name, String value) {
            List<String[]> h = new ArrayList<>(headers);
            h.add(new String[] { name, latin1(value) });
            return new Request(method, target, h, body);
        }

        public Request body(byte[] bytes) {
            return new Request(method, target, headers, bytes);
        }

        public Request body(String utf8) {
            return body(utf8.getBytes(StandardCharsets.UTF_8));
        }

        /** A JSON body as UTF-8 with {@code Content-Type: application/json}. */
        public Request json(String utf8) {
            return header("Content-Type", "application/json").body(utf8);
        }

        public boolean hasHeader(String name) {
            return headers.stream().anyMatch(h -> h[0].equalsIgnoreCase(name));
        }

        /** The request as it goes on the wire: Host, Connection: close and Content-Length (if not set) added. */
        public byte[] bytes() {
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            head.append("Host: localhost\r\n");
            for (String[] h : headers) {
                head.append(h[0]).append(": ").append(h[1]).append("\r\n");
            }
            if (!hasHeader("Connection")) {
                head.append("Connection: close\r\n");
            }
            if (!hasHeader("Content-Length") && !hasHeader("Transfer-Encoding")
                    && (body.length > 0 || !(method.equals("GET") || method.equals("HEAD")))) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = Arrays.copyOf(h, h.length + body.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            return all;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(method).append(' ').append(shorten(target, 200));
            for (String[] h : headers) {
                sb.append(" [").append(h[0]).append(": ").append(shorten(h[1], 80)).append(']');
            }
            if (body.length > 0) {
                sb.append(" body(").append(body.length).append(" bytes): ")
                        .append(shorten(new String(body, StandardCharsets.UTF_8), 300));
            }
            return sb.toString();
        }
    }

    /** A response: status, headers (names lower-cased, the first value of each), body. */
    public record Reply(int status, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String contentType() {
            return header("content-type");
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public static Reply of(HttpResponse<byte[]> r) {
            Map<String, String> h = new LinkedHashMap<>();
            r.headers().map().forEach((k, v) -> h.putIfAbsent(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.get(0)));
            return new Reply(r.statusCode(), h, r.body() == null ? new byte[0] : r.body());
        }

        @Override
        public String toString() {
            return status + " " + contentType() + " " + shorten(text(), 400);
        }
    }

    /** Sends {@code request} to localhost:{@code port} on a new connection and reads the whole reply. */
    public static Reply send(int port, Request request) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.bytes());
                out.flush();
            } catch (IOException e) {
                // the server may answer (413) and close before the whole body is written: read what it said
            }
            return parse(readAll(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("no reply to " + request, e);
        }
    }

    /**
     * One keep-alive connection that carries several requests in turn: for what a server keeps per connection (query-
     * service's admission control holds a rejected connection's next request). Reads each reply by its
     * Content-Length.
     */
    public static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        public Connection(int port) {
            try {
                socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
                socket.setSoTimeout(TIMEOUT_MILLIS);
                in = socket.getInputStream();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot connect to port " + port, e);
            }
        }

        /**
         * Writes {@code request} as {@link Request#bytes} does, but asks to keep the connection open ({@code
         * Connection: keep-alive} unless the request names its own); the reply is {@link #read}.
         */
        public void send(Request request) {
            Request kept = request.hasHeader("Connection") ? request : request.header("Connection", "keep-alive");
            try {
                OutputStream out = socket.getOutputStream();
                out.write(kept.bytes());
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot send " + request, e);
            }
        }

        /** The next reply: its head parsed as {@link RawHttp#send}'s is, its body read by its Content-Length. */
        public Reply read() {
            try {
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                // up to the blank line that ends the head: the last four bytes read are CR LF CR LF
                for (int last = 0; last != 0x0D0A0D0A;) {
                    int c = in.read();
                    if (c < 0) {
                        throw new IOException("connection closed mid-response");
                    }
                    head.write(c);
                    last = last << 8 | c;
                }
                Reply parsed = parse(head.toByteArray());
                byte[] body = in.readNBytes(Integer.parseInt(parsed.headers().getOrDefault("content-length", "0")));
                return new Reply(parsed.status(), parsed.headers(), body);
            } catch (IOException e) {
                throw new UncheckedIOException("no reply", e);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                buf.write(chunk, 0, n);
            }
        } catch (SocketTimeoutException e) {
            if (buf.size() == 0) {
                throw e;
            }
        } catch (IOException e) {
            if (buf.size() == 0) { // a reset after the reply is no loss
                throw e;
            }
        }
        return buf.toByteArray();
    }

    static Reply parse(byte[] raw) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new IllegalStateException("not an HTTP response: "
                    + shorten(new String(raw, StandardCharsets.ISO_8859_1), 200));
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        } else if (headers.containsKey("content-length")) {
            body = Arrays.copyOf(body, Math.min(body.length, Integer.parseInt(headers.get("content-length"))));
        }
        return new Reply(Integer.parseInt(statusLine[1]), headers, body);
    }

    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < body.length) {
            int eol = indexOf(Arrays.copyOfRange(body, i, body.length), new byte[] { '\r', '\n' });
            if (eol < 0) {
                break;
            }
            String size = new String(body, i, eol, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int n = Integer.parseInt(size, 16);
            i += eol + 2;
            if (n == 0) {
                break;
            }
            out.write(body, i, Math.min(n, body.length - i));
            i += n + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** {@code s} as the ISO-8859-1 chars of its UTF-8 bytes when it holds a char above U+00FF, else as is. */
    public static String latin1(String s) {
        return s.chars().allMatch(c -> c <= 0xFF) ? s
                : new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** Bytes written as ISO-8859-1 chars, for a target or header with bytes that are not valid UTF-8. */
    public static String bytes(int... b) {
        StringBuilder sb = new StringBuilder();
        for (int x : b) {
            sb.append((char) (x & 0xFF));
        }
        return sb.toString();
    }

    public static String shorten(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || Character.getType(c) == Character.FORMAT
                    || Character.isSurrogate(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return s.length() > max ? sb + "…(" + s.length() + " chars)" : sb.toString();
    }
}
