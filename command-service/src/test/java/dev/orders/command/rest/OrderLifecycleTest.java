package dev.orders.command.rest;

import static dev.orders.command.OrderApi.act;
import static dev.orders.command.OrderApi.as;
import static dev.orders.command.OrderApi.create;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

import dev.orders.testing.DevData;
import dev.orders.testing.Tokens;

/** Every transition of the order state machine, legal and illegal, with optimistic concurrency (If-Match). */
@QuarkusTest
class OrderLifecycleTest {
    @Inject
    Pool db;

    @Test
    void happyPathPendingPaidShippedDeliveredBumpsVersionAndEmitsOneEventPerStep() {
        UUID id = create(DevData.ADA);
        act(Tokens.customer(DevData.ADA), id, "pay").then().statusCode(200)
                .header("ETag", "\"2\"").body("status", equalTo("PAID")).body("version", equalTo(2));
        act(Tokens.ops(), id, "ship").then().statusCode(200).body("status", equalTo("SHIPPED")).body("version", equalTo(3));
        act(Tokens.ops(), id, "deliver").then().statusCode(200).header("ETag", "\"4\"")
                .body("status", equalTo("DELIVERED")).body("version", equalTo(4));
        assertEquals(List.of("OrderCreated:1", "OrderPaid:2", "OrderShipped:3", "OrderDelivered:4"), events(id));
    }

    @Test
    void customerCancelsPendingAndOpsCancelPaid() {
        UUID pending = create(DevData.ADA);
        act(Tokens.customer(DevData.ADA), pending, "cancel").then().statusCode(200).body("status", equalTo("CANCELLED"));
        UUID paid = create(DevData.ADA);
        act(Tokens.customer(DevData.ADA), paid, "pay").then().statusCode(200);
        act(Tokens.ops(), paid, "cancel").then().statusCode(200).body("status", equalTo("CANCELLED"))
                .body("version", equalTo(3));
        assertEquals(List.of("OrderCreated:1", "OrderPaid:2", "OrderCancelled:3"), events(paid));
    }

    /** {@code path}: actions taken first (all legal); then {@code action} must be refused naming {@code state}. */
    @ParameterizedTest(name = "{1} after [{0}] is 409")
    @CsvSource(delimiter = '|', textBlock = """
                                    | ship    | PENDING
                                    | deliver | PENDING
            pay                     | pay     | PAID
            pay                     | deliver | PAID
            pay,ship                | pay     | SHIPPED
            pay,ship                | ship    | SHIPPED
            pay,ship                | cancel  | SHIPPED
            pay,ship,deliver        | deliver | DELIVERED
            pay,ship,deliver        | cancel  | DELIVERED
            pay,ship,deliver        | pay     | DELIVERED
            cancel                  | pay     | CANCELLED
            cancel                  | cancel  | CANCELLED
            pay,cancel              | ship    | CANCELLED
            pay,cancel              | deliver | CANCELLED
            """)
    void illegalTransitionIs409NamingTheCurrentStateAndChangesNothing(String path, String action, String state) {
        UUID id = create(DevData.ADA);
        if (path != null) {
            for (String step : path.split(",")) {
                act(Tokens.ops(), id, step).then().statusCode(200);
            }
        }
        List<String> before = events(id);
        act(Tokens.ops(), id, action).then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:illegal-transition"))
                .body("detail", containsString(state));
        assertEquals(before, events(id), "a refused transition writes nothing");
    }

    @Test
    void staleIfMatchIs412AndCurrentOneSucceeds() {
        UUID id = create(DevData.ADA);
        act(Tokens.customer(DevData.ADA), id, "pay").then().statusCode(200);
        as(Tokens.ops()).header("If-Match", "\"1\"").post("/orders/{id}/ship", id)
                .then().statusCode(412).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:version-mismatch"))
                .body("detail", containsString("version 2"));
        assertEquals(List.of("OrderCreated:1", "OrderPaid:2"), events(id));
        as(Tokens.ops()).header("If-Match", "W/\"2\"").post("/orders/{id}/ship", id)
                .then().statusCode(200).body("version", equalTo(3));
        // the read API's ETag ("version.revision") as is: the version decides
        as(Tokens.ops()).header("If-Match", "\"2.5123\"").post("/orders/{id}/deliver", id).then().statusCode(412);
        as(Tokens.ops()).header("If-Match", "\"3.5123\"").post("/orders/{id}/deliver", id).then().statusCode(200);
        as(Tokens.ops()).header("If-Match", "*").post("/orders/{id}/cancel", id).then().statusCode(409); // any version
        as(Tokens.ops()).header("If-Match", "three").post("/orders/{id}/cancel", id).then().statusCode(400);
    }

    @Test
    void accessRules() {
        UUID id = create(DevData.ADA);
        act(Tokens.customer(DevData.GRACE), id, "pay").then().statusCode(404).contentType("application/problem+json");
        act(Tokens.customer(DevData.ADA), id, "ship").then().statusCode(403);
        act(Tokens.ops(), UUID.randomUUID(), "pay").then().statusCode(404);
        as(Tokens.ops()).post("/orders/not-a-uuid/pay").then().statusCode(400);
        as(Tokens.ops()).post("/orders/{id}/refund", id).then().statusCode(404);
        assertEquals(List.of("OrderCreated:1"), events(id));
    }

    private List<String> events(UUID id) {
        return db.preparedQuery("""
                SELECT type || ':' || (payload->>'aggregateVersion') AS e FROM outbox
                 WHERE aggregateid = $1 ORDER BY seq""").execute(Tuple.of(id.toString()))
                .await().atMost(Duration.ofSeconds(5)).stream().map(r -> r.getString("e")).toList();
    }
}
