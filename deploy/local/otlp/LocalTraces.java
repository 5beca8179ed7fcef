// The local stack's trace collector and viewer, without Docker or a Jaeger: one JDK-only source file, run with
// `java LocalTraces.java` (single-file source launch, no build).
//
//   receive --port P --file F [--max-bytes N]   an OTLP/HTTP receiver (POST /v1/traces, protobuf, as the services'
//                                               quarkus-opentelemetry exporter sends): appends one JSON line per span
//                                               to F, rotating F to F.1 past N bytes (64 MiB)
//   show --file F <value>                       the traces holding a span with an attribute equal to <value> (an
//                                               order id) or whose trace id is <value>, each as a tree of spans:
//                                               service, name, duration; exit 1 when there is none
//   pipeline --file F [--from MS --to MS]       where a write's time to the read model goes: for the traces of one
//                                               POST /orders with one relay publish and one projector apply (started
//                                               between the epoch millis given), percentiles of each stage from the
//                                               write's acknowledgement; exit 1 when there is none
//
// Written by hand because nothing in the JDK decodes OTLP and the local stack installs no collector: the receiver
// reads only the protobuf fields it prints (a few dozen lines of the wire format), and the viewer only this file's
// own JSON lines. In Kubernetes the services export to a real OpenTelemetry Collector instead (k8s/base).
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;

public class LocalTraces {
    static final String[] KINDS = { "unspecified", "internal", "server", "client", "producer", "consumer" };

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--") && i + 1 < args.length) {
                opts.put(args[i].substring(2), args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "receive" -> receive(Integer.parseInt(opts.get("port")), Path.of(opts.get("file")),
                    Long.parseLong(opts.getOrDefault("max-bytes", String.valueOf(64L << 20))));
            case "show" -> System.exit(show(Path.of(opts.get("file")), rest.get(0)) ? 0 : 1);
            case "pipeline" -> System.exit(pipeline(Path.of(opts.get("file")),
                    Long.parseLong(opts.getOrDefault("from", "0")) * 1_000_000L,
                    Long.parseLong(opts.getOrDefault("to", String.valueOf(Long.MAX_VALUE / 1_000_000L))) * 1_000_000L)
                            ? 0 : 1);
            default -> {
                System.err.println("usage: LocalTraces receive --port P --file F | show --file F <order-id|trace-id>"
                        + " | pipeline --file F [--from MS --to MS]");
                System.exit(2);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ receiver

    static void receive(int port, Path file, long maxBytes) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/", exchange -> {
            try (exchange) {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                InputStream in = exchange.getRequestBody();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    in = new GZIPInputStream(in);
                }
                byte[] body = in.readAllBytes();
                StringBuilder lines = new StringBuilder();
                try {
                    if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
                        decodeRequest(body, lines);
                    }
                } catch (RuntimeException malformed) {
                    exchange.sendResponseHeaders(400, -1);
                    return;
                }
                append(file, maxBytes, lines);
                // an empty ExportTraceServiceResponse: full success
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
        System.out.println("OTLP/HTTP receiver on 127.0.0.1:" + port + " writing " + file);
    }

    static synchronized void append(Path file, long maxBytes, CharSequence lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        if (Files.exists(file) && Files.size(file) > maxBytes) {
            Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; } */
    static void decodeRequest(byte[] body, StringBuilder out) {
        Wire w = new Wire(body, 0, body.length);
        while (w.more()) {
            int tag = w.tag();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                decodeResourceSpans(w.sub(), out);
            } else {
                w.skip(tag);
            }
        }
    }

    /** ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; } */
    static void decodeResourceSpans(Wire w, StringBuilder out) {
        Map<String, String> resource = new LinkedHashMap<>();
        List<Wire> scopes = new ArrayList<>();
        while (w.more()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> {
                    Wire r = w.sub(); // Resource { repeated KeyValue attributes = 1; }
                    while (r.more()) {
                        int t = r.tag();
                        if (t >>> 3 == 1) {
                            keyValue(r.sub(), resource);
                        } else {
                            r.skip(t);
                        }
                    }
                }
                case 2 -> scopes.add(w.sub());
                default -> w.skip(tag);
            }
        }
        String service = resource.getOrDefault("service.name", "?");
        for (Wire s : scopes) { // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
            while (s.more()) {
                int tag = s.tag();
                if (tag >>> 3 == 2) {
                    decodeSpan(s.sub(), service, out);
                } else {
                    s.skip(tag);
                }
            }
        }
    }

    /** Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, start 7, end 8, attributes 9, status 15. */
    static void decodeSpan(Wire w, String service, StringBuilder out) {
        String traceId = "", spanId = "", parent = "", name = "", status = "unset";
        long kind = 0, start = 0, end = 0;
        Map<String, String> attributes = new LinkedHashMap<>();
        while (w.more()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> traceId = HexFormat.of().formatHex(w.bytes());
                case 2 -> spanId = HexFormat.of().formatHex(w.bytes());
                case 4 -> parent = HexFormat.of().formatHex(w.bytes());
                case 5 -> name = w.string();
                case 6 -> kind = w.varint();
                case 7 -> start = w.fixed64();
                case 8 -> end = w.fixed64();
                case 9 -> keyValue(w.sub(), attributes);
                case 15 -> { // Status { string message = 2; StatusCode code = 3; }
                    Wire st = w.sub();
                    while (st.more()) {
                        int t = st.tag();
                        if (t >>> 3 == 3) {
                            long code = st.varint();
                            status = code == 2 ? "error" : code == 1 ? "ok" : "unset";
                        } else {
                            st.skip(t);
                        }
                    }
                }
                default -> w.skip(tag);
            }
        }
        out.append("{\"traceId\":").append(quote(traceId)).append(",\"spanId\":").append(quote(spanId))
                .append(",\"parentSpanId\":").append(quote(parent)).append(",\"service\":").append(quote(service))
                .append(",\"name\":").append(quote(name))
                .append(",\"kind\":").append(quote(KINDS[(int) Math.min(kind, KINDS.length - 1)]))
                .append(",\"startNanos\":").append(start).append(",\"endNanos\":").append(end)
                .append(",\"status\":").append(quote(status)).append(",\"attributes\":{");
        String sep = "";
        for (var a : attributes.entrySet()) {
            out.append(sep).append(quote(a.getKey())).append(':').append(quote(a.getValue()));
            sep = ",";
        }
        out.append("}}\n");
    }

    /** KeyValue { string key = 1; AnyValue value = 2; }, the value rendered as text. */
    static void keyValue(Wire w, Map<String, String> into) {
        String key = null, value = "";
        while (w.more()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> key = w.string();
                case 2 -> value = anyValue(w.sub());
                default -> w.skip(tag);
            }
        }
        if (key != null) {
            into.put(key, value);
        }
    }

    /** AnyValue: string 1, bool 2, int 3, double 4; arrays and maps are not printed. */
    static String anyValue(Wire w) {
        String value = "";
        while (w.more()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> value = w.string();
                case 2 -> value = String.valueOf(w.varint() != 0);
                case 3 -> value = String.valueOf(w.varint());
                case 4 -> value = String.valueOf(Double.longBitsToDouble(w.fixed64()));
                default -> w.skip(tag);
            }
        }
        return value;
    }

    /** Just enough of the protobuf wire format: varints, fixed64, length-delimited fields, skipping the rest. */
    static final class Wire {
        final byte[] buf;
        int pos;
        final int end;

        Wire(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint");
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        long fixed64() {
            if (pos + 8 > end) {
                throw new IllegalArgumentException("truncated fixed64");
            }
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (buf[pos + i] & 0xffL);
            }
            pos += 8;
            return v;
        }

        Wire sub() {
            int len = (int) varint();
            if (len < 0 || pos + len > end) {
                throw new IllegalArgumentException("truncated field");
            }
            Wire w = new Wire(buf, pos, pos + len);
            pos += len;
            return w;
        }

        byte[] bytes() {
            Wire w = sub();
            byte[] b = new byte[w.end - w.pos];
            System.arraycopy(buf, w.pos, b, 0, b.length);
            return b;
        }

        String string() {
            Wire w = sub();
            return new String(buf, w.pos, w.end - w.pos, StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> sub();
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
            }
            if (pos > end) {
                throw new IllegalArgumentException("truncated field");
            }
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------------------------------------ viewer

    record Span(String traceId, String spanId, String parentSpanId, String service, String name, String kind,
            long startNanos, long endNanos, String status, Map<String, String> attributes) {
    }

    static boolean show(Path file, String value) throws IOException {
        // Two streaming passes, so memory holds only the traces asked for, not the whole file (it grows to 64 MiB
        // and rotates once: a traced benchmark fills both): first the ids of the traces that name the value, then
        // their spans. A cheap substring test comes before each parse.
        List<Path> files = spanFiles(file);
        Set<String> traces = new LinkedHashSet<>();
        forEachSpan(files, line -> line.contains(value), s -> {
            if (s.traceId().equals(value) || s.attributes().containsValue(value)) {
                traces.add(s.traceId());
            }
        });
        List<Span> spans = new ArrayList<>();
        if (!traces.isEmpty()) {
            forEachSpan(files, line -> traces.stream().anyMatch(t -> line.contains("\"traceId\":\"" + t + "\"")),
                    spans::add);
        }
        if (traces.isEmpty()) {
            System.out.println("no span names " + value + " in " + file + " (yet: spans reach it within ~5 s)");
            return false;
        }
        for (String trace : traces) {
            List<Span> in = spans.stream().filter(s -> s.traceId().equals(trace))
                    .sorted(Comparator.comparingLong(Span::startNanos)).toList();
            Map<String, Span> byId = new LinkedHashMap<>();
            in.forEach(s -> byId.put(s.spanId(), s));
            Set<String> services = new LinkedHashSet<>();
            in.forEach(s -> services.add(s.service()));
            System.out.printf("trace %s: %d spans from %s%n", trace, in.size(), String.join(", ", services));
            long t0 = in.get(0).startNanos();
            for (Span root : in) {
                if (root.parentSpanId().isEmpty() || !byId.containsKey(root.parentSpanId())) {
                    print(root, in, 0, t0);
                }
            }
        }
        return true;
    }

    static final String POST = "POST /orders", PUBLISH = "orders.events.v1 publish", APPLY = "apply orders.events.v1";

    /**
     * Stage percentiles of the sampled writes whose POST started in [from, to) (epoch nanos): from the 201 to the
     * relay's publish (the relay picking the outbox row up), from the publish to the projector's apply starting
     * (Kafka: the producer's linger and acknowledgement, the consumer's fetch, a batch waiting for the one before
     * it), the apply (its transaction and the invalidations), and from the 201 to the apply's end.
     */
    static boolean pipeline(Path file, long from, long to) throws IOException {
        List<Path> files = spanFiles(file);
        Map<String, Map<String, List<Span>>> traces = new LinkedHashMap<>();
        forEachSpan(files, l -> l.contains(POST) || l.contains(PUBLISH) || l.contains(APPLY), s -> {
            if (s.name().equals(POST) || s.name().equals(PUBLISH) || s.name().equals(APPLY)) {
                traces.computeIfAbsent(s.traceId(), t -> new LinkedHashMap<>())
                        .computeIfAbsent(s.name(), n -> new ArrayList<>()).add(s);
            }
        });
        List<long[]> rows = new ArrayList<>(); // relay, kafka, apply, total (nanos)
        for (Map<String, List<Span>> t : traces.values()) {
            if (t.size() != 3 || t.values().stream().anyMatch(l -> l.size() != 1)) {
                continue; // a trace with more than one write (a batch's apply spans link several) is not one write
            }
            Span post = t.get(POST).get(0), pub = t.get(PUBLISH).get(0), apply = t.get(APPLY).get(0);
            if (post.startNanos() < from || post.startNanos() >= to) {
                continue;
            }
            rows.add(new long[] { pub.startNanos() - post.endNanos(), apply.startNanos() - pub.endNanos(),
                    apply.endNanos() - apply.startNanos(), apply.endNanos() - post.endNanos() });
        }
        if (rows.isEmpty()) {
            System.out.println("no sampled write with its publish and apply in " + file);
            return false;
        }
        String[] stages = { "201 -> relay publish", "publish -> apply starts (Kafka, poll)", "apply (transaction)",
                "201 -> applied" };
        System.out.printf("%d sampled writes%n", rows.size());
        for (int i = 0; i < stages.length; i++) {
            long[] v = new long[rows.size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = rows.get(j)[i];
            }
            java.util.Arrays.sort(v);
            System.out.printf("  %-40s p50 %7.1f ms  p90 %7.1f ms  p99 %7.1f ms%n", stages[i], pct(v, 0.50) / 1e6,
                    pct(v, 0.90) / 1e6, pct(v, 0.99) / 1e6);
        }
        return true;
    }

    static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** The receiver's file and the one it rotated to, oldest first. */
    static List<Path> spanFiles(Path file) {
        return List.of(file.resolveSibling(file.getFileName() + ".1"), file);
    }

    /**
     * Each span of {@code files} (in order) whose JSON line passes {@code cheap}, once; a partly written line is
     * skipped. Once: an exporter that timed out waiting for the receiver sends its batch again, and the receiver
     * appends it again (a span seen twice made a single write look like two applies).
     */
    static void forEachSpan(List<Path> files, java.util.function.Predicate<String> cheap,
            java.util.function.Consumer<Span> action) throws IOException {
        Set<String> seen = new java.util.HashSet<>();
        for (Path p : files) {
            if (!Files.exists(p)) {
                continue;
            }
            try (var lines = Files.lines(p, StandardCharsets.UTF_8)) {
                lines.filter(l -> !l.isBlank() && cheap.test(l)).forEach(l -> {
                    Span span;
                    try {
                        span = toSpan(new Json(l).object());
                    } catch (RuntimeException partial) {
                        return; // a line being written right now
                    }
                    if (seen.add(span.traceId() + "/" + span.spanId())) {
                        action.accept(span);
                    }
                });
            }
        }
    }

    static void print(Span s, List<Span> all, int depth, long t0) {
        String label = "  ".repeat(depth) + s.name();
        System.out.printf("  %-18s %-62s %9.1f ms  +%.1f ms  %s%s%n", s.service(), label,
                (s.endNanos() - s.startNanos()) / 1e6, (s.startNanos() - t0) / 1e6, s.kind(),
                "error".equals(s.status()) ? "  ERROR" : "");
        for (Span c : all) {
            if (c.parentSpanId().equals(s.spanId())) {
                print(c, all, depth + 1, t0);
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Span toSpan(Map<String, Object> m) {
        return new Span((String) m.get("traceId"), (String) m.get("spanId"), (String) m.get("parentSpanId"),
                (String) m.get("service"), (String) m.get("name"), (String) m.get("kind"),
                ((Number) m.get("startNanos")).longValue(), ((Number) m.get("endNanos")).longValue(),
                (String) m.get("status"), (Map<String, String>) (Map<?, ?>) m.get("attributes"));
    }

    /** A JSON reader for the lines the receiver writes: objects, strings and integers. */
    static final class Json {
        final String s;
        int i;

        Json(String s) {
            this.s = s;
        }

        Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            expect('{');
            if (peek() == '}') {
                i++;
                return m;
            }
            do {
                String key = string();
                expect(':');
                m.put(key, value());
            } while (next() == ',');
            return m;
        }

        Object value() {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '{') {
                return object();
            }
            int start = i;
            while (i < s.length() && "-0123456789".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            return Long.parseLong(s.substring(start, i));
        }

        String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 'r' -> b.append('\r');
                        case 't' -> b.append('\t');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        char peek() {
            return s.charAt(i);
        }

        char next() {
            return s.charAt(i++);
        }

        void expect(char c) {
            if (s.charAt(i++) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + (i - 1));
            }
        }
    }
}
