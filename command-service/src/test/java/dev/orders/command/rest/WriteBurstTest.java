package dev.orders.command.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.command.WriteDb;
import dev.orders.testing.DevData;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A burst of as many writes as admission control admits, while the write database stalls for a moment, is served
 * whole once it answers: the write bulkhead queues every request admission let in, where its old queue of 32 answered
 * 503 to writes that would have committed well inside their deadline (50-73 per benchmark warm-up at half the write
 * capacity).
 */
@QuarkusTest
class WriteBurstTest {
    static final String GUARD = "dev.orders.command.service.WriteDatabaseGuard";

    @ConfigProperty(name = "orders.admission.max-in-flight")
    int admitted;

    @ConfigProperty(name = "quarkus.fault-tolerance.\"" + GUARD + "\".bulkhead.value")
    int running;

    @Inject
    MeterRegistry registry;

    @TestHTTPResource("/orders")
    URI orders;

    @Test
    void aBurstOfAdmittedWritesWaitsOutAStalledDatabaseAndCommitsWhole() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < 3; i++) { // a warm JVM: the claim is about a stall, not a first request
            assertEquals(201, http.send(post(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        try (Connection lock = WriteDb.connect()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                // inserts into orders wait behind this lock: a database that stalls
                st.execute("LOCK TABLE orders IN SHARE MODE");
            }
            for (int i = 0; i < admitted; i++) {
                calls.add(http.sendAsync(post(), HttpResponse.BodyHandlers.ofString()));
            }
            // Every write is either running (blocked on the lock) or queued in the bulkhead, or already answered:
            // the old queue turned the excess away at once.
            // Within the role's lock_timeout (2 s): past it the blocked inserts fail, which is not what this tests.
            Awaitility.await("every write of the burst reached the bulkhead before lock_timeout (2 s) ends the blocked "
                    + "inserts").atMost(Duration.ofMillis(1500))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> WriteDb.lockWaitsOn(lock, "orders") == running
                            && waiting() + calls.stream().filter(CompletableFuture::isDone).count()
                                    == admitted - running);
            lock.rollback(); // the database answers again
        }
        List<String> refused = new ArrayList<>();
        for (var call : calls) {
            HttpResponse<String> r = call.get();
            if (r.statusCode() != 201) {
                refused.add(r.statusCode() + " " + r.body());
            }
        }
        assertEquals(List.of(), refused, "writes of the burst that were not committed");
    }

    /** Calls waiting in the write bulkhead's queue (SmallRye Fault Tolerance's gauge). */
    private double waiting() {
        return registry.get("ft.bulkhead.executionsWaiting").tag("method", GUARD + ".run").gauges().stream()
                .mapToDouble(Gauge::value).sum();
    }

    private HttpRequest post() {
        return OrderApi.placeOrder(orders, DevData.ADA).timeout(Duration.ofSeconds(30))
                .header("Idempotency-Key", UUID.randomUUID().toString()).build();
    }
}
