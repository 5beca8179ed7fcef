package dev.orders.query.repository;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.query.Metrics;
import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The fault-tolerance numbers live only in application.properties (the annotations carry none), so the per-class
 * keys must reach the policy: a replica timeout of 1 ms set that way makes replica reads time out, and the router
 * answers them from the read primary.
 */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
@TestProfile(FaultTolerancePolicyTest.OneMillisecondReplica.class)
class FaultTolerancePolicyTest {

    public static class OneMillisecondReplica implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.fault-tolerance.\"dev.orders.query.repository.ReplicaReads\".timeout.value", "1");
        }
    }

    @Inject
    ReadModelFixture fixture;

    @Test
    void theReplicaPolicyTakesItsTimeoutFromApplicationProperties() {
        UUID customer = UUID.randomUUID();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1); // a new id: never cached
            fixture.awaitOnReplica(id);
            assertEquals(200, given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                    .statusCode(), "answered from the read primary");
            return Metrics.sum("ft_timeout_calls_total",
                    "method=\"dev.orders.query.repository.ReplicaReads.findById\"", "timedOut=\"true\"") > 0;
        });
    }
}
