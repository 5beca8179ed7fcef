package dev.orders.bench;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * Overload: N back-to-back readers, each on its own keep-alive connection, each sending its next request as soon as
 * the previous one is answered (no think time), until S seconds after the start. With
 * {@code bench.overload.honour-retry-after=true} a client waits the {@code Retry-After} of a 503 before its next
 * request, as a well-behaved client does; otherwise it only counts it.
 *
 * <p>Gatling's own statistics mark only the 200s as OK, so its report's OK percentiles are those of the 200s. The
 * simulation also classifies every outcome itself and writes them to {@code bench.out} (key=value lines) when the run
 * ends: 200s (count, latency histogram at Gatling's millisecond resolution), 503s with and without {@code Retry-After}
 * and {@code application/problem+json}, other statuses, and requests without a response (a request timeout after
 * {@code timeoutMs}, or a connection error before that).
 *
 * <p>System properties: {@code bench.dir} (feeder folder with {@code overload.csv}: url,token; taken in order, cycling
 * only when exhausted), {@code bench.overload} as {@code users:seconds:timeoutMillis:rampSeconds}, {@code bench.out}
 * (and {@code bench.out}{@code .started}, the load's start in epoch milliseconds, written when it starts).
 */
public class OverloadSimulation extends Simulation {
    private static final String[] P = System.getProperty("bench.overload", "10000:60:10000:5").split(":");
    private static final int USERS = Integer.parseInt(P[0]);
    private static final long SECONDS = Long.parseLong(P[1]);
    private static final int TIMEOUT_MS = Integer.parseInt(P[2]);
    private static final long RAMP_S = P.length > 3 ? Long.parseLong(P[3]) : 0;
    /** Whether a client waits the Retry-After of a 503 before its next request (a well-behaved client does). */
    private static final boolean HONOUR = Boolean.getBoolean("bench.overload.honour-retry-after");

    private final LongAdder started = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder unavailableRetryAfter = new LongAdder();
    private final LongAdder unavailableRetryAfterProblem = new LongAdder();
    private final LongAdder unavailableProblem = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder connectionErrors = new LongAdder();
    private final Map<Integer, LongAdder> otherStatus = new ConcurrentHashMap<>();
    /** 200 response times: one bucket per millisecond, the last one holds everything at or above the timeout. */
    private final AtomicLongArray okMillis = new AtomicLongArray(TIMEOUT_MS + 1);
    private final AtomicLongArray unavailableMillis = new AtomicLongArray(TIMEOUT_MS + 1);
    /**
     * The 200s of requests sent once every client has joined and as long again has passed (from 2 x rampSeconds): while
     * 10,000 connections open, the load generator itself falls behind reading responses (thousands of its sockets
     * held unread bytes in session 19's runs), and that backlog lands in the whole run's tail.
     */
    private final AtomicLongArray settledOkMillis = new AtomicLongArray(TIMEOUT_MS + 1);
    private final LongAdder settledOk = new LongAdder();
    private volatile long deadline = Long.MAX_VALUE; // nanoTime after which no user starts another request
    private volatile long startNanos;

    {
        HttpProtocolBuilder protocol = http.acceptHeader("application/json").disableCaching(); // a connection per user

        ScenarioBuilder readers = scenario("overload")
                .asLongAs(session -> System.nanoTime() < deadline).on(
                        exec(session -> {
                            started.increment();
                            // nothing carried over from the previous request (optional checks save only when present)
                            return session.removeAll("st", "ra", "ct", "rt", "wait").set("t0", System.nanoTime());
                        })
                                .feed(csv(System.getProperty("bench.dir", ".") + "/overload.csv").circular())
                                .exec(http("overload").get("#{url}").header("Authorization", "Bearer #{token}")
                                        .requestTimeout(Duration.ofMillis(TIMEOUT_MS))
                                        // the saves first: after a failed check Gatling skips the later ones
                                        .check(status().saveAs("st"),
                                                header("Retry-After").optional().saveAs("ra"),
                                                header("Content-Type").optional().saveAs("ct"),
                                                responseTimeInMillis().saveAs("rt"),
                                                status().is(200)))
                                .exec(this::classify)
                                .doIf(session -> HONOUR && session.contains("wait")).then(
                                        pause(session -> Duration.ofSeconds(session.getLong("wait")))));
        // all users start within the first rampSeconds (10,000 simultaneous connects would overflow the listen
        // backlog and measure SYN retransmits instead of the service); the deadline counts from the start
        setUp(readers.injectOpen(RAMP_S > 0 ? rampUsers(USERS).during(RAMP_S) : atOnceUsers(USERS)))
                .protocols(protocol)
                .maxDuration(Duration.ofSeconds(SECONDS).plusMillis(2L * TIMEOUT_MS).plusSeconds(10));
    }

    private static long retryAfter(String header) {
        try {
            return Math.max(0, Math.min(60, Long.parseLong(header.strip())));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    @Override
    public void before() {
        startNanos = System.nanoTime();
        deadline = startNanos + Duration.ofSeconds(SECONDS).toNanos();
        // the load starts now: the harness times its CPU snapshots from this file (deploy/bench/lib.sh cpu_window)
        writeOut(".started", System.currentTimeMillis() + "\n");
    }

    @Override
    public void after() {
        long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("users", USERS);
        out.put("honour_retry_after", HONOUR);
        out.put("seconds", SECONDS);
        out.put("ramp_seconds", RAMP_S);
        out.put("timeout_ms", TIMEOUT_MS);
        out.put("elapsed_ms", elapsedMs);
        out.put("requests", started.sum());
        out.put("ok", ok.sum());
        long[] okP = RequestStats.percentiles(okMillis, 0.50, 0.95, 0.99, 1.0); // p50, p95, p99, max
        out.put("ok_p50_ms", okP[0]);
        out.put("ok_p95_ms", okP[1]);
        out.put("ok_p99_ms", okP[2]);
        out.put("ok_max_ms", okP[3]);
        long[] settledP = RequestStats.percentiles(settledOkMillis, 0.50, 0.95, 0.99, 1.0);
        out.put("settled_from_s", 2 * RAMP_S);
        out.put("settled_ok", settledOk.sum());
        out.put("settled_ok_p50_ms", settledP[0]);
        out.put("settled_ok_p95_ms", settledP[1]);
        out.put("settled_ok_p99_ms", settledP[2]);
        out.put("unavailable", unavailable.sum());
        out.put("unavailable_retry_after", unavailableRetryAfter.sum());
        out.put("unavailable_problem", unavailableProblem.sum());
        out.put("unavailable_retry_after_problem", unavailableRetryAfterProblem.sum());
        long[] naP = RequestStats.percentiles(unavailableMillis, 0.50, 0.95, 0.99, 1.0);
        out.put("unavailable_p50_ms", naP[0]);
        out.put("unavailable_p99_ms", naP[2]);
        long other = 0;
        StringBuilder statuses = new StringBuilder();
        for (Map.Entry<Integer, LongAdder> e : new TreeMap<>(otherStatus).entrySet()) {
            other += e.getValue().sum();
            statuses.append(statuses.isEmpty() ? "" : " ").append(e.getKey()).append('x').append(e.getValue().sum());
        }
        out.put("other_status", other);
        out.put("other_statuses", statuses.isEmpty() ? "-" : statuses.toString());
        out.put("timeouts", timeouts.sum());
        out.put("connection_errors", connectionErrors.sum());
        StringBuilder text = new StringBuilder();
        out.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        System.out.print("OVERLOAD RESULT\n" + text);
        writeOut("", text);
    }

    /** Writes {@code text} to {@code bench.out} with {@code suffix} appended to its name, when bench.out is set. */
    private static void writeOut(String suffix, CharSequence text) {
        String file = System.getProperty("bench.out");
        if (file != null) {
            try {
                Files.writeString(Path.of(file + suffix), text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private Session classify(Session session) {
        if (session.contains("st")) {
            int status = session.getInt("st");
            int rt = session.contains("rt") ? session.getInt("rt") : 0;
            int bucket = Math.max(0, Math.min(rt, TIMEOUT_MS));
            if (status == 200) {
                ok.increment();
                okMillis.incrementAndGet(bucket);
                if (session.getLong("t0") - startNanos >= Duration.ofSeconds(2 * RAMP_S).toNanos()) {
                    settledOk.increment();
                    settledOkMillis.incrementAndGet(bucket);
                }
            } else if (status == 503) {
                unavailable.increment();
                unavailableMillis.incrementAndGet(bucket);
                boolean retryAfter = session.contains("ra");
                boolean problem = session.contains("ct")
                        && session.getString("ct").toLowerCase().startsWith("application/problem+json");
                if (retryAfter) {
                    unavailableRetryAfter.increment();
                }
                if (problem) {
                    unavailableProblem.increment();
                }
                if (retryAfter && problem) {
                    unavailableRetryAfterProblem.increment();
                }
            } else {
                otherStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
            }
        } else {
            // no response: Gatling gave up after the request timeout, or the connection failed before it
            long waited = (System.nanoTime() - session.getLong("t0")) / 1_000_000;
            (waited >= TIMEOUT_MS - 50 ? timeouts : connectionErrors).increment();
        }
        // the Retry-After to honour survives classification (removing it here once left the pause never taken)
        Session classified = session.removeAll("st", "ct", "rt");
        return classified.contains("ra") ? classified.set("wait", retryAfter(classified.getString("ra"))) : classified;
    }
}
