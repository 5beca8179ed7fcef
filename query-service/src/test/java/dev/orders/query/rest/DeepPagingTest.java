package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.query.ReadSchema;
import dev.orders.testing.Tokens;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/**
 * Walks every page of a customer with 10,000 orders (1,000 of them sharing one timestamp) while new orders keep
 * arriving in the same time range: no duplicates, no gaps among the rows that existed at the start, strict order.
 */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
class DeepPagingTest {
    static final Instant START = Instant.parse("2026-02-01T00:00:00Z");
    static final Instant TIE = Instant.parse("2026-02-15T12:00:00Z");

    @Inject
    @ReactiveDataSource("primary")
    Pool primary;
    @Inject
    Pool replica;

    @Test
    void everyPageExactlyOnceInStrictOrderWhileInsertsArrive() throws Exception {
        UUID customer = UUID.randomUUID();
        sql("SELECT ensure_partition('order_view', $1::timestamptz + make_interval(months => m)) "
                + "FROM generate_series(0, 1) m", START);
        // 9,000 orders spread over February + 1,000 at exactly the same instant.
        sql("""
                INSERT INTO order_view (id, created_at, customer_id, customer_name, customer_email, status, version,
                                        updated_at, currency, total_cents, item_count, items)
                SELECT gen_random_uuid(), CASE WHEN g <= 1000 THEN $2::timestamptz ELSE $3::timestamptz + g * interval '4 minutes' END,
                       $1, 'Pager', 'pager@example.com', 'PENDING', 1, now(), 'EUR', 100, 1, '[]'
                  FROM generate_series(1, 10000) g""", customer, TIE, START);
        Set<String> initial = new HashSet<>(ids(replica, customer, 10_000));

        AtomicBoolean walking = new AtomicBoolean(true);
        AtomicInteger inserted = new AtomicInteger();
        Thread writer = new Thread(() -> {
            while (walking.get()) {
                Instant at = START.plusSeconds((long) (Math.random() * 27 * 86400));
                sql("""
                        INSERT INTO order_view (id, created_at, customer_id, customer_name, customer_email, status,
                                                version, updated_at, currency, total_cents, item_count, items)
                        VALUES (gen_random_uuid(), $2, $1, 'Pager', 'pager@example.com', 'PENDING', 1, now(), 'EUR', 100,
                                1, '[]')""", customer, Math.random() < 0.2 ? TIE : at);
                inserted.incrementAndGet();
            }
        });
        writer.start();

        List<String> walked = new ArrayList<>();
        List<Instant> times = new ArrayList<>();
        String cursor = null;
        try {
            do {
                var req = given().header("Authorization", Tokens.customer(customer)).queryParam("limit", 100);
                if (cursor != null) {
                    req.queryParam("cursor", cursor);
                }
                JsonPath page = req.get("/orders").then().statusCode(200).extract().jsonPath();
                walked.addAll(page.getList("orders.id", String.class));
                page.getList("orders.createdAt", String.class).forEach(t -> times.add(Instant.parse(t)));
                cursor = page.getString("nextCursor");
            } while (cursor != null);
        } finally {
            walking.set(false);
            writer.join();
        }

        assertEquals(walked.size(), new HashSet<>(walked).size(), "no order appears twice");
        Set<String> missing = new HashSet<>(initial);
        missing.removeAll(walked);
        assertTrue(missing.isEmpty(), missing.size() + " pre-existing orders were skipped");
        for (int i = 1; i < walked.size(); i++) {
            int byTime = times.get(i - 1).compareTo(times.get(i));
            assertTrue(byTime > 0 || (byTime == 0 && UUID.fromString(walked.get(i - 1))
                    .compareTo(UUID.fromString(walked.get(i))) != 0), "strictly descending at " + i);
        }
        assertTrue(inserted.get() > 0, "inserts kept arriving during the walk");
    }

    private List<String> ids(Pool pool, UUID customer, int expected) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> pool
                .preparedQuery("SELECT count(*) FROM order_view WHERE customer_id = $1").execute(Tuple.of(customer))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0) >= expected);
        List<String> ids = new ArrayList<>();
        pool.preparedQuery("SELECT id FROM order_view WHERE customer_id = $1").execute(Tuple.of(customer))
                .await().atMost(Duration.ofSeconds(10)).forEach(r -> ids.add(r.getUUID(0).toString()));
        return ids;
    }

    private void sql(String sql, Object... params) {
        Object[] bound = java.util.Arrays.stream(params)
                .map(p -> p instanceof Instant t ? t.atOffset(java.time.ZoneOffset.UTC) : p).toArray();
        primary.preparedQuery(sql).execute(Tuple.from(bound)).await().atMost(Duration.ofSeconds(30));
    }
}
