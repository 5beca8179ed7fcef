package dev.orders.bench;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * N concurrent API clients, each with its own keep-alive connection, each sending a request and then thinking for a
 * while, for the whole run: what "10,000 connected clients" means for a service (connections held, a request rate
 * they generate), unlike N back-to-back request loops, where latency is only N / throughput.
 *
 * <p>System properties: {@code bench.dir} (feeder folder with {@code clients.csv}: url,token), {@code bench.clients}
 * as {@code users:seconds:thinkMillis}, {@code bench.stats} (see {@link RequestStats}).
 */
public class HeldClientsSimulation extends Simulation {
    private final RequestStats stats = new RequestStats();

    {
        String[] p = System.getProperty("bench.clients", "10000:30:5000").split(":");
        int users = Integer.parseInt(p[0]);
        Duration during = Duration.ofSeconds(Long.parseLong(p[1]));
        Duration think = Duration.ofMillis(Long.parseLong(p[2]));
        HttpProtocolBuilder protocol = http.acceptHeader("application/json").disableCaching(); // a connection per user

        ScenarioBuilder clients = scenario("clients-10k")
                .feed(csv(System.getProperty("bench.dir", ".") + "/clients.csv").circular())
                // spread the first requests over one think time, as real clients arrive, then keep a steady pace
                .pause(Duration.ZERO, think)
                .forever().on(exec(RequestStats::start)
                        .exec(http("clients-10k").get("#{url}").header("Authorization", "Bearer #{token}")
                                .check(RequestStats.saves()).check(status().is(200)))
                        .exec(session -> stats.record("clients-10k", session, st -> st == 200).markAsSucceeded())
                        .pause(think));
        setUp(clients.injectClosed(constantConcurrentUsers(users).during(during)))
                .protocols(protocol)
                .maxDuration(during);
    }

    @Override
    public void after() {
        stats.write();
    }
}
