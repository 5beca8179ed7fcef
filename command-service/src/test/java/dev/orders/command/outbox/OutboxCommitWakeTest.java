package dev.orders.command.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.testing.DevData;
import dev.orders.testing.KafkaTail;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * With the poll effectively off, an order accepted by the API is still relayed: only its commit's wake-up
 * ({@link OutboxCommitted}) can have started the drain. Nothing else wakes the relay since NOTIFY is gone (V5). No
 * wake-up delay here: every commit takes the at-once path, including those made while a drain runs.
 */
@QuarkusTest
@TestProfile(OutboxCommitWakeTest.NoPolling.class)
class OutboxCommitWakeTest {
    public static class NoPolling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // no poll during the test at all: the first one would otherwise run 1 s after start
            return Map.of("orders.outbox.poll-interval", "1h", "orders.outbox.poll-delay", "1h",
                    "orders.outbox.wake-delay", "0ms");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/orders")
    URI orders;

    @Test
    void aCommittedOrderWakesTheRelay() {
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            String id = OrderApi.create(DevData.ADA).toString();
            tail.await(id, Duration.ofSeconds(15));
        }
    }

    @Test
    void ordersCommittedWhileADrainRunsAreRelayedByIt() throws Exception {
        // Rounds of 8 writes at once: the later commits of a round land while a drain relays the earlier ones, and that
        // drain must go round once more for them. Each round is awaited before the next, so nothing later can wake
        // the relay for a round's last commits: with the poll off, nothing else would relay them.
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            for (int round = 0; round < 12; round++) {
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    calls.add(http.sendAsync(OrderApi.placeOrder(orders, DevData.ADA).timeout(Duration.ofSeconds(20))
                            .build(), HttpResponse.BodyHandlers.ofString()));
                }
                Set<String> ids = new LinkedHashSet<>();
                for (CompletableFuture<HttpResponse<String>> call : calls) {
                    HttpResponse<String> r = call.get();
                    assertEquals(201, r.statusCode(), r.body());
                    ids.add(JsonPath.from(r.body()).getString("id"));
                }
                Set<String> missing = new LinkedHashSet<>(ids);
                missing.removeAll(tail.awaitAll(ids, Duration.ofSeconds(10)));
                assertTrue(missing.isEmpty(), "round " + round + ": " + missing.size() + " of 8 orders never relayed");
            }
        }
    }
}
