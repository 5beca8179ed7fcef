package dev.orders.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;

import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.http.HttpDsl.status;

/**
 * Per request name: count, failures and a millisecond latency histogram, kept in code and written as one
 * tab-separated line per name ({@code name count failed p50 p95 p99}) to the file in {@code bench.stats} when the
 * simulation ends, so deploy/bench/run reads figures the simulation computed instead of Gatling's HTML report.
 * Latency covers every answered request (as Gatling's own "total" column); a request without a response counts as
 * failed, at the time it waited.
 */
final class RequestStats {
    private static final int MAX_MS = 60_000;

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicLongArray> millis = new ConcurrentHashMap<>();

    /** Checks to put first on a request (they save what {@link #record} reads); the status assertion goes after. */
    static CheckBuilder[] saves() {
        return new CheckBuilder[] { status().saveAs("st"), responseTimeInMillis().saveAs("rt") };
    }

    /** Marks a request's start (call in an exec before it). */
    static Session start(Session session) {
        return session.removeAll("st", "rt").set("t0", System.nanoTime());
    }

    /** Records the request just made under {@code name}; {@code ok} decides which statuses succeed. */
    Session record(String name, Session session, java.util.function.IntPredicate ok) {
        observe(name, session, ok);
        return session.removeAll("st", "rt", "t0");
    }

    /** {@link #record} without clearing what it read: the caller times something else from the same start. */
    void observe(String name, Session session, java.util.function.IntPredicate ok) {
        boolean answered = session.contains("st");
        long ms = answered && session.contains("rt") ? session.getInt("rt")
                : (System.nanoTime() - session.getLong("t0")) / 1_000_000;
        recordMillis(name, ms, answered && ok.test(session.getInt("st")));
    }

    /** Records a duration measured by the simulation itself (not one request's) under {@code name}. */
    void recordMillis(String name, long ms, boolean ok) {
        counts.computeIfAbsent(name, n -> new LongAdder()).increment();
        if (!ok) {
            failures.computeIfAbsent(name, n -> new LongAdder()).increment();
        }
        millis.computeIfAbsent(name, n -> new AtomicLongArray(MAX_MS + 1))
                .incrementAndGet((int) Math.max(0, Math.min(ms, MAX_MS)));
    }

    /** Writes the lines to {@code bench.stats}, when set. */
    void write() {
        String file = System.getProperty("bench.stats");
        if (file == null) {
            return;
        }
        StringBuilder out = new StringBuilder();
        for (String name : new TreeMap<>(counts).keySet()) {
            long[] p = percentiles(millis.get(name), 0.50, 0.95, 0.99);
            out.append(name).append('\t').append(counts.get(name).sum()).append('\t')
                    .append(failures.containsKey(name) ? failures.get(name).sum() : 0).append('\t')
                    .append(p[0]).append('\t').append(p[1]).append('\t').append(p[2]).append('\n');
        }
        try {
            Files.writeString(Path.of(file), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The given percentiles (fractions, ascending) of a millisecond histogram; 0s when it is empty. */
    static long[] percentiles(AtomicLongArray h, double... ps) {
        long n = 0;
        for (int i = 0; i < h.length(); i++) {
            n += h.get(i);
        }
        long[] result = new long[ps.length];
        long seen = 0;
        int k = 0;
        for (int i = 0; i < h.length() && k < ps.length; i++) {
            seen += h.get(i);
            while (k < ps.length && n > 0 && seen >= Math.ceil(ps[k] * n)) {
                result[k++] = i;
            }
        }
        return result;
    }
}
