package dev.orders.bench;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/**
 * Runs the workloads one after another, each at a constant arrival rate (open model): a new virtual user starts every
 * 1/rate seconds and makes one request, on the schedule, however slow earlier responses were. deploy/bench/run picks
 * each rate (a fraction of the capacity it measured just before) and writes one CSV feeder per workload.
 *
 * <p>System properties: {@code bench.dir} (feeder folder), {@code bench.workloads} as
 * {@code name:rate:seconds:method[:delay],...}, where {@code a+b} runs two workloads side by side in one step. Feeder {@code <name>.csv} has the columns {@code url,token,body} (body for
 * POST only); each user takes the next row (circular). {@code bench.stats}: where {@link RequestStats} writes the
 * figures per workload.
 *
 * <p>{@code bench.warmup} (seconds, default 0): each workload first runs that long at its rate under the name
 * {@code <name>~warm-up}, recorded apart, then for its seconds under its own name. The load generator's JVM starts
 * cold in the same two cores as the service: without it, a run's first workload took its first seconds' stall (all of
 * get-cold's 503s in an {@code --only overload} run fell in its first 5 s).
 */
public class OpenModelSimulation extends Simulation {
    private static final String DIR = System.getProperty("bench.dir", ".");
    static final String WARM_UP = "~warm-up";
    private static final long WARM_UP_NANOS = Long.getLong("bench.warmup", 0) * 1_000_000_000L;
    private static final Duration POLL = Duration.ofMillis(5);
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(30);
    private final RequestStats stats = new RequestStats();
    /** When each workload's first user started (its warm-up runs from then). */
    private final Map<String, Long> started = new ConcurrentHashMap<>();

    private final HttpProtocolBuilder protocol = http
            .acceptHeader("application/json")
            .contentTypeHeader("application/json")
            // keep-alive connections shared by all virtual users, as a fleet of API clients behind one gateway
            .shareConnections()
            .disableCaching();

    {
        // Steps run one after another; the workloads of one step ("a+b") run at the same time, so that two cases
        // compared with each other (page 1 and the deep page) share the same machine noise.
        List<List<PopulationBuilder>> steps = new ArrayList<>();
        for (String step : System.getProperty("bench.workloads", "").split(",")) {
            if (step.isBlank()) {
                continue;
            }
            List<PopulationBuilder> group = new ArrayList<>();
            for (String spec : step.split("\\+")) {
                String[] p = spec.split(":");
                String name = p[0];
                double rate = Double.parseDouble(p[1]);
                int seconds = Integer.parseInt(p[2]);
                // optional fifth field: seconds into the step before this workload's first user
                List<OpenInjectionStep> injection = new ArrayList<>();
                int delay = p.length > 4 ? Integer.parseInt(p[4]) : 0;
                if (delay > 0) {
                    injection.add(nothingFor(Duration.ofSeconds(delay)));
                }
                if (WARM_UP_NANOS > 0) {
                    injection.add(constantUsersPerSec(rate).during(Duration.ofNanos(WARM_UP_NANOS)));
                }
                injection.add(constantUsersPerSec(rate).during(seconds));
                String method = p.length > 3 ? p[3] : "GET";
                group.add(("VISIBLE".equals(method) ? visibility(name)
                        : scenario(name)
                                .feed(csv(DIR + "/" + name + ".csv").circular())
                                .exec(session -> RequestStats.start(session).set("req", phase(name)))
                                .exec(request(name, method))
                                .exec(session -> stats.record(session.getString("req"), session,
                                        st -> st == 200 || st == 201)))
                        .injectOpen(injection));
            }
            steps.add(group);
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("no workloads: pass -Dbench.workloads=name:rate:seconds:method,...");
        }
        // andThen(children) starts the children when its parent ends (all children at once), so a sequence is a
        // nesting: each step's first workload carries the rest of the sequence.
        List<PopulationBuilder> next = null;
        for (int i = steps.size() - 1; i >= 0; i--) {
            List<PopulationBuilder> group = new ArrayList<>(steps.get(i));
            if (next != null) {
                group.set(0, group.get(0).andThen(next));
            }
            next = group;
        }
        setUp(next).protocols(protocol);
    }

    /** The name a request of {@code workload} is recorded under now: its own, or its warm-up's. */
    private String phase(String workload) {
        long first = started.computeIfAbsent(workload, OpenModelSimulation::markStarted);
        return System.nanoTime() - first < WARM_UP_NANOS ? workload + WARM_UP : workload;
    }

    /**
     * Notes when {@code workload}'s first user started: {@code <bench.stats>.<workload>.started}, in epoch milliseconds,
     * for deploy/bench/run to time its CPU window of the workload's measured seconds (its warm-up runs from then).
     */
    private static long markStarted(String workload) {
        String stats = System.getProperty("bench.stats");
        if (stats != null) {
            try {
                Files.writeString(Path.of(stats + "." + workload + ".started"), System.currentTimeMillis() + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return System.nanoTime();
    }

    /**
     * Write -> read visibility: each user POSTs an order (feeder columns url, token, body, read: the read API's
     * {@code /orders/} URL), then GETs it every {@link #POLL} until it answers 200, on the simulation's shared
     * keep-alive connections. Recorded: {@code <name>} from sending the POST to the first 200 (failed when the POST
     * is not a 201 or the order is not readable within {@link #VISIBLE_WITHIN}), {@code <name>-acked} the POST's own
     * latency, {@code <name>-after-ack} from its 201 to the first 200.
     */
    private ScenarioBuilder visibility(String name) {
        return scenario(name)
                .feed(csv(DIR + "/" + name + ".csv").circular())
                .exec(session -> RequestStats.start(session).set("req", phase(name)))
                .exec(http("#{req}-post").post("#{url}").header("Authorization", "Bearer #{token}")
                        .body(StringBody("#{body}"))
                        .check(RequestStats.saves()).check(jsonPath("$.id").optional().saveAs("id")))
                .exec(session -> {
                    stats.observe(session.getString("req") + "-acked", session, st -> st == 201);
                    return session.set("acked", System.nanoTime());
                })
                .doIf(session -> session.contains("id")).then(
                        asLongAs(session -> !session.contains("seen")
                                && System.nanoTime() - session.getLong("t0") < VISIBLE_WITHIN.toNanos()).on(
                                        exec(http("#{req}-read").get("#{read}#{id}")
                                                .header("Authorization", "Bearer #{token}")
                                                .check(status().saveAs("got"), status().in(200, 404)))
                                        .exec(session -> session.contains("got") && session.getInt("got") == 200
                                                ? session.set("seen", System.nanoTime())
                                                : session)
                                        .doIf(session -> !session.contains("seen")).then(pause(POLL))))
                .exec(session -> {
                    String req = session.getString("req");
                    long t0 = session.getLong("t0");
                    boolean seen = session.contains("seen");
                    long end = seen ? session.getLong("seen") : System.nanoTime();
                    stats.recordMillis(req, (end - t0) / 1_000_000, seen);
                    if (seen) {
                        stats.recordMillis(req + "-after-ack", (end - session.getLong("acked")) / 1_000_000, true);
                    }
                    return session.removeAll("st", "rt", "t0", "acked", "seen", "got", "id");
                });
    }

    private static HttpRequestActionBuilder request(String name, String method) {
        HttpRequestActionBuilder r = "POST".equals(method)
                ? http("#{req}").post("#{url}").body(StringBody("#{body}"))
                : http("#{req}").get("#{url}");
        // the limit workloads hit an unauthenticated endpoint: an invalid bearer token would be rejected there too
        return (name.startsWith("limit") ? r : r.header("Authorization", "Bearer #{token}"))
                .check(RequestStats.saves()).check(status().in(200, 201));
    }

    @Override
    public void after() {
        stats.write();
    }
}
