package dev.orders.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.testing.RawHttp.Reply;
import dev.orders.testing.RawHttp.Request;

/**
 * What both APIs' hostile-input suites share: the rule every answer must keep ({@link #violation}), and the
 * generated-input pass ({@link #run}): requests generated up front from one seeded {@link Random}, sent with modest
 * concurrency, every answer checked, the status histogram printed.
 *
 * <p>The seed is printed, and {@code -Dhostile.seed=<n>} replays the same requests; {@code -Dhostile.requests=<n>}
 * changes how many are generated.
 */
public final class Hostile {
    public static final String PROBLEM_JSON = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** HttpClient sets these itself and refuses them from a caller: such a request goes over {@link RawHttp}. */
    private static final Set<String> CLIENT_HEADERS = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "transfer-encoding");
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Hostile() {
    }

    /**
     * Why {@code reply} breaks the rule, or null when it keeps it: never 5xx; a 4xx (or a tolerated 5xx) is
     * {@code application/problem+json} whose {@code type} is a string and whose {@code status} is the response's
     * status.
     */
    public static String violation(Reply reply) {
        return violation(reply, Set.of());
    }

    /** As {@link #violation(Reply)}, but the 5xx statuses in {@code tolerated} (e.g. 503) only need to be problems. */
    public static String violation(Reply reply, Set<Integer> tolerated) {
        int status = reply.status();
        if (status >= 500 && !tolerated.contains(status)) {
            return "server error " + status;
        }
        if (status < 400) {
            return null;
        }
        String type = reply.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(PROBLEM_JSON)) {
            return status + " without problem+json (Content-Type " + type + ")";
        }
        JsonNode body;
        try {
            body = JSON.readTree(reply.body());
        } catch (IOException e) {
            return status + " problem+json that is not JSON";
        }
        if (body == null || !body.path("type").isTextual() || body.path("type").asText().isEmpty()) {
            return status + " problem+json without a type";
        }
        if (!body.path("status").isInt() || body.path("status").asInt() != status) {
            return status + " problem+json whose status is " + body.path("status");
        }
        return null;
    }

    /** The problem's {@code type}, or null when the reply is not a problem. */
    public static String problemType(Reply reply) {
        try {
            JsonNode type = JSON.readTree(reply.body()).path("type");
            return type.isTextual() ? type.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Sends {@code request} to localhost:{@code port}: over the shared {@link HttpClient} (kept-alive connections)
     * when it can carry the request as is, else over a raw socket.
     */
    public static Reply send(int port, Request request) {
        HttpRequest http = asHttpClientRequest(port, request);
        if (http == null) {
            return RawHttp.send(port, request);
        }
        // The request timeout ends at the response headers; a body that never ends would wait forever.
        var reply = CLIENT.sendAsync(http, HttpResponse.BodyHandlers.ofByteArray());
        try {
            return Reply.of(reply.get(20, java.util.concurrent.TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
            // HttpClient reports a connection the server closed after an early answer (a 413 before the body was
            // read) as a failure; the raw socket reads that answer
            try {
                return RawHttp.send(port, request);
            } catch (UncheckedIOException again) {
                again.addSuppressed(e.getCause());
                throw again;
            }
        } catch (java.util.concurrent.TimeoutException e) {
            reply.cancel(true);
            throw new IllegalStateException("no complete reply within 20 s to " + request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpRequest asHttpClientRequest(int port, Request request) {
        if (!printableAscii(request.target()) || request.method().equals("CONNECT")) {
            return null;
        }
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + request.target()))
                    .timeout(Duration.ofSeconds(15))
                    .method(request.method(), request.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(request.body()));
            for (String[] h : request.headers()) {
                if (CLIENT_HEADERS.contains(h[0].toLowerCase(Locale.ROOT)) || !printableAscii(h[1])
                        || !printableAscii(h[0])) {
                    return null;
                }
                b.header(h[0], h[1]);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            return null; // not a URI, a header HttpClient refuses: the raw socket sends it as is
        }
    }

    private static boolean printableAscii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7F);
    }

    /** {@code -Dhostile.seed} if given, else a fresh one; printed either way. */
    public static long seed(String api) {
        String given = System.getProperty("hostile.seed");
        long seed = given == null || given.isBlank() ? new Random().nextLong() : Long.parseLong(given.trim());
        System.out.printf("[hostile] %s: seed %d (replay with -Dhostile.seed=%d)%n", api, seed, seed);
        return seed;
    }

    /** {@code -Dhostile.requests}, else {@code defaultCount}. */
    public static int requests(int defaultCount) {
        return Integer.getInteger("hostile.requests", defaultCount);
    }

    /** One generated request, with what the generator meant by it (shown when it fails). */
    public record Probe(String what, Request request) {
    }

    /** The outcome of a generated pass. */
    public record Result(long seed, int requests, Duration took, Map<Integer, Integer> histogram, int broken,
            List<String> violations, List<Outcome> outcomes) {
        public int count(int status) {
            return histogram.getOrDefault(status, 0);
        }

        public int count(Function<Integer, Boolean> statuses) {
            return histogram.entrySet().stream().filter(e -> statuses.apply(e.getKey())).mapToInt(Map.Entry::getValue)
                    .sum();
        }

        /** A failure message: the first 30 broken answers and how to replay them. */
        public String report() {
            return broken + " of " + requests + " answers broke the rule (seed " + seed
                    + ", replay with -Dhostile.seed=" + seed + "):\n  " + String.join("\n  ", violations);
        }
    }

    /** One request of a pass and its reply. */
    public record Outcome(int index, Probe probe, Reply reply) {
    }

    /**
     * Sends every probe ({@code concurrency} at a time), checks every reply with {@link #violation} and prints the
     * status histogram and the duration.
     */
    public static Result run(String api, long seed, List<Probe> probes, int port, int concurrency) {
        return run(api, seed, probes, port, concurrency, Set.of());
    }

    /**
     * As {@link #run(String, long, List, int, int)}, with 5xx statuses that are answers by design rather than failures
     * (a read API's 503 while the read model has not caught up): they must be problems, and the caller counts them.
     */
    public static Result run(String api, long seed, List<Probe> probes, int port, int concurrency,
            Set<Integer> tolerated) {
        Map<Integer, AtomicInteger> histogram = new ConcurrentHashMap<>();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger violationCount = new AtomicInteger();
        Outcome[] outcomes = new Outcome[probes.size()];
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        try {
            List<Future<?>> done = new ArrayList<>();
            AtomicInteger next = new AtomicInteger();
            for (int w = 0; w < concurrency; w++) {
                done.add(pool.submit(() -> {
                    // past 100 broken answers the pass stops: enough to report, and an API that has stopped answering
                    // (every request 503 after a pause) would otherwise hold the build for hours
                    for (int i; violationCount.get() <= 100 && (i = next.getAndIncrement()) < probes.size(); ) {
                        Probe p = probes.get(i);
                        Reply reply;
                        try {
                            reply = send(port, p.request());
                        } catch (RuntimeException e) {
                            System.out.printf("[hostile] %s: #%d %s: no answer (%s)%n", api, i, p.what(), e);
                            histogram.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                            if (violationCount.incrementAndGet() <= 30) {
                                violations.add("#" + i + " " + p.what() + ": no answer (" + e + ") to " + p.request());
                            }
                            continue;
                        }
                        outcomes[i] = new Outcome(i, p, reply);
                        if ((i + 1) % 1000 == 0) {
                            System.out.printf("[hostile] %s: %d sent, %.1f s%n", api, i + 1,
                                    (System.nanoTime() - start) / 1e9);
                        }
                        histogram.computeIfAbsent(reply.status(), s -> new AtomicInteger()).incrementAndGet();
                        String why = violation(reply, tolerated);
                        if (why != null && violationCount.incrementAndGet() <= 30) {
                            violations.add("#" + i + " " + p.what() + ": " + why + " for " + p.request() + " → "
                                    + reply);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Map<Integer, Integer> counts = new TreeMap<>();
        histogram.forEach((k, v) -> counts.put(k, v.get()));
        System.out.printf(
                "[hostile] %s: %d requests (seed %d, %d at a time) in %.1f s; statuses %s; %d broke the rule%n",
                api, probes.size(), seed, concurrency, took.toMillis() / 1000.0, counts, violationCount.get());
        if (violationCount.get() > violations.size()) {
            violations.add("… and " + (violationCount.get() - violations.size()) + " more");
        }
        return new Result(seed, probes.size(), took, counts, violationCount.get(), List.copyOf(violations),
                Collections.unmodifiableList(java.util.Arrays.asList(outcomes)));
    }

    // --- generators both passes use -------------------------------------------------------------------------------

    /** A random string of up to {@code max} code points, drawn from awkward ranges (controls, bidi, surrogates…). */
    public static String randomText(Random r, int max) {
        int n = r.nextInt(max + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(12)) {
                case 0 -> sb.append((char) r.nextInt(0x20)); // C0 controls, NUL included
                case 1 -> sb.append((char) (0x7F + r.nextInt(0x21))); // DEL and C1 controls
                // bidi controls, zero-width characters, BOM, soft hyphen
                case 2 -> sb.append(oneOf(r, "\u202E\u202D\u200B\u200C\u200D\u2060\uFEFF\u00AD\u061C"));
                case 3 -> sb.append((char) (0xD800 + r.nextInt(0x800))); // a lone surrogate half
                case 4 -> sb.appendCodePoint(0x1F600 + r.nextInt(0x50)); // a supplementary pair
                case 5 -> sb.append(oneOf(r, "\"\\/'<>&%_*?{}[],:;=+#"));
                case 6 -> sb.append((char) (0xA0 + r.nextInt(0x2000)));
                case 7 -> sb.append((char) (0xE000 + r.nextInt(0x1900))); // private use
                case 8 -> sb.append(' ');
                default -> sb.append((char) ('a' + r.nextInt(26)));
            }
        }
        return sb.toString();
    }

    /**
     * Bearer tokens each API must refuse with 401: expired, another issuer, signed by another key, unsigned
     * ({@code alg: none}), not a JWT at all.
     */
    public static final class BadTokens {
        private BadTokens() {
        }

        public static String expired() {
            long now = System.currentTimeMillis() / 1000;
            return "Bearer " + io.smallrye.jwt.build.Jwt.issuer("https://orders.local").subject(DevData.ADA.toString())
                    .groups("customer").issuedAt(now - 7200).expiresAt(now - 3600).sign();
        }

        public static String otherIssuer() {
            return "Bearer " + io.smallrye.jwt.build.Jwt.issuer("https://evil.example").subject(DevData.ADA.toString())
                    .groups("customer").expiresIn(600).sign();
        }

        public static String otherKey() {
            try {
                java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                return "Bearer " + io.smallrye.jwt.build.Jwt.issuer("https://orders.local")
                        .subject(DevData.ADA.toString()).groups("customer").expiresIn(600)
                        .sign(g.generateKeyPair().getPrivate());
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public static String unsigned() {
            java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
            long exp = System.currentTimeMillis() / 1000 + 600;
            return "Bearer " + b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes())
                    + "." + b64.encodeToString(("{\"iss\":\"https://orders.local\",\"sub\":\"" + DevData.ADA
                            + "\",\"groups\":[\"customer\",\"ops\"],\"exp\":" + exp + "}").getBytes())
                    + ".";
        }
    }

    /** One char of {@code chars}. */
    public static char oneOf(Random r, String chars) {
        return chars.charAt(r.nextInt(chars.length()));
    }

    /** One of {@code options}. */
    @SafeVarargs
    public static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }
}
