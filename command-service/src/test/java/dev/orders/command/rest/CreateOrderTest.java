package dev.orders.command.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.OrderEvent;
import dev.orders.events.OrderIds;
import dev.orders.testing.DevData;
import dev.orders.testing.KafkaTail;
import dev.orders.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/** POST /orders against the real write Postgres (through PgBouncer) and the real Kafka broker. */
@QuarkusTest
class CreateOrderTest {
    @Inject
    Pool db;
    @Inject
    ObjectMapper json;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void createsOrderWithItemsAndOutboxRowAtomicallyAndPublishesItKeyedByOrderId() throws Exception {
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            String location = given().header("Authorization", Tokens.customer(DevData.ADA))
                    .contentType(ContentType.JSON)
                    .body("""
                            {"items":[{"productId":"%s","quantity":2},{"productId":"%s","quantity":1},
                                      {"productId":"%s","quantity":1}]}""".formatted(DevData.KEYBOARD, DevData.MOUSE,
                            DevData.KEYBOARD))
                    .when().post("/orders")
                    .then().statusCode(201)
                    .header("ETag", "\"1\"")
                    .body("status", equalTo("PENDING"))
                    .body("version", equalTo(1))
                    .body("customerId", equalTo(DevData.ADA.toString()))
                    .body("currency", equalTo("EUR"))
                    .body("items", hasSize(2)) // the two keyboard lines are merged
                    .body("items[0].quantity", equalTo(3))
                    .body("items[0].name", equalTo("Mechanical keyboard"))
                    .body("totalCents", equalTo(3 * 8900 + 2900))
                    .extract().header("Location");
            assertNotNull(location);
            UUID id = UUID.fromString(location.substring(location.lastIndexOf('/') + 1));
            assertEquals(7, id.version(), "order ids are UUIDv7");
            // the read API of the stack the tests run against (orders.read-api.base-url follows QUERY_PORT)
            org.hamcrest.MatcherAssert.assertThat(location, startsWith(
                    "http://127.0.0.1:" + System.getenv().getOrDefault("QUERY_PORT", "8082") + "/orders/"));

            var row = db.preparedQuery("""
                    SELECT o.created_at, o.total_cents,
                           (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) AS lines,
                           (SELECT count(*) FROM outbox x WHERE x.aggregateid = o.id::text) AS events
                      FROM orders o WHERE o.id = $1""").execute(Tuple.of(id))
                    .await().atMost(Duration.ofSeconds(5)).iterator().next();
            assertEquals(2L, row.getLong("lines"));
            assertEquals(1L, row.getLong("events"));
            assertEquals(OrderIds.timestampOf(id), row.getOffsetDateTime("created_at").toInstant(),
                    "createdAt is the id's timestamp, so the read side can prune partitions by id");

            ConsumerRecord<String, String> published = tail.await(id.toString(), Duration.ofSeconds(15));
            OrderEvent event = json.readValue(published.value(), OrderEvent.class);
            assertEquals("OrderCreated", event.type().name());
            assertEquals(1, event.aggregateVersion());
            assertEquals("Ada Lovelace", event.payload().customerName());
            assertEquals(3 * 8900 + 2900, event.payload().totalCents());
            assertEquals("OrderCreated", new String(published.headers().lastHeader("type").value()));

            // The relay marks the row once the broker has acknowledged the record.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> db
                    .preparedQuery("SELECT published_at IS NOT NULL AS done FROM outbox WHERE aggregateid = $1")
                    .execute(Tuple.of(id.toString())).await().atMost(Duration.ofSeconds(5)).iterator().next()
                    .getBoolean("done"));
        }
    }

    @Test
    void unknownProductIs422AndWritesNothing() {
        long before = orderCount(DevData.GRACE);
        given().header("Authorization", Tokens.customer(DevData.GRACE)).contentType(ContentType.JSON)
                .body("{\"items\":[{\"productId\":\"%s\",\"quantity\":1},{\"productId\":\"%s\",\"quantity\":1}]}"
                        .formatted(DevData.MOUSE, UUID.randomUUID()))
                .when().post("/orders")
                .then().statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:unknown-product"))
                .body("status", equalTo(422));
        assertEquals(before, orderCount(DevData.GRACE));
    }

    @Test
    void inactiveProductIs422AndWritesNothing() {
        UUID retired = UUID.randomUUID();
        db.preparedQuery("INSERT INTO products (id, name, price_cents, currency, active) "
                + "VALUES ($1, $2, 1, 'EUR', false)").execute(Tuple.of(retired, "Retired product"))
                .await().atMost(Duration.ofSeconds(5));
        try {
            long before = orderCount(DevData.GRACE);
            given().header("Authorization", Tokens.customer(DevData.GRACE)).contentType(ContentType.JSON)
                    .body(("{\"items\":[{\"productId\":\"%s\",\"quantity\":1},"
                            + "{\"productId\":\"%s\",\"quantity\":1}]}").formatted(DevData.MOUSE, retired))
                    .when().post("/orders")
                    .then().statusCode(422)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:orders:problem:unknown-product"))
                    .body("detail", equalTo("unknown or inactive product(s): [" + retired + "]"));
            assertEquals(before, orderCount(DevData.GRACE));
        } finally {
            // (an order wrongly placed keeps its product: this cleanup must not hide the assertion that failed)
            db.preparedQuery("DELETE FROM products p WHERE id = $1 AND NOT EXISTS "
                    + "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)").execute(Tuple.of(retired))
                    .await().atMost(Duration.ofSeconds(5));
        }
    }

    private long orderCount(UUID customer) {
        return db.preparedQuery("SELECT count(*) FROM orders WHERE customer_id = $1").execute(Tuple.of(customer))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
