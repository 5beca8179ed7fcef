package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.http.admission.AdmissionControl;
import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.query.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/** Past its in-flight limit an instance answers 503 + Retry-After at once and finishes what it admitted. */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
@TestProfile(AdmissionTest.TwoInFlight.class)
class AdmissionTest {

    public static class TwoInFlight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // two requests at a time; a read-your-writes wait holds a request for up to 2 s
            return Map.of("orders.admission.max-in-flight", "2", "orders.admission.request-deadline", "PT5S",
                    "orders.consistency.max-wait", "PT2S");
        }
    }

    @Inject
    ReadModelFixture fixture;
    @Inject
    AdmissionControl admission;

    @Test
    void pastCapacityA503WithRetryAfterIsAnsweredAtOnceAndTheAdmittedRequestsFinish() {
        UUID customer = UUID.randomUUID();
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        String token = Tokens.customer(customer);

        // two requests that wait for a version the read model does not have yet: they hold both slots (a thread
        // each: the common pool has one thread on a two-core machine)
        ExecutorService clients = Executors.newFixedThreadPool(2);
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> given().header("Authorization", token)
                .header("Consistency-Token", id + ":2").get("/orders/{id}", id).statusCode(), clients);
        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> given().header("Authorization", token)
                .header("Consistency-Token", id + ":2").get("/orders/{id}", id).statusCode(), clients);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> admission.inFlight() == 2);

        given().header("Authorization", token).get("/orders/{id}", id)
                .then().statusCode(503).header("Retry-After", "1").contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:overloaded"));
        given().get("/q/health/live").then().statusCode(200); // management paths are never shed

        assertEquals(503, first.join(), "the admitted ones ran their bounded wait to its end");
        assertEquals(503, second.join());
        clients.shutdown();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> admission.inFlight() == 0);
        given().header("Authorization", token).get("/orders/{id}", id).then().statusCode(200);
    }
}
