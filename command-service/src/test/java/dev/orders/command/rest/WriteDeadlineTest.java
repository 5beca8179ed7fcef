package dev.orders.command.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.command.WriteDb;
import dev.orders.testing.DevData;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * A write database that does not answer: every write gets a 503 problem with Retry-After within 2 s (the deadline, or
 * at once from admission control when more are in flight than it admits), and none of them half-happens.
 */
@QuarkusTest
@TestProfile(WriteDeadlineTest.ShortDeadlines.class)
class WriteDeadlineTest {
    /** The suite's profile is lenient for a cold JVM; here the deadline is short, as a stalled database needs. */
    public static class ShortDeadlines implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.fault-tolerance.\"dev.orders.command.service.WriteDatabaseGuard\".timeout.value", "500",
                    "orders.admission.request-deadline", "PT0.5S");
        }
    }

    /**
     * More than admission control admits (64 in flight, all of which the write bulkhead runs or queues), so some are
     * rejected at once.
     */
    private static final int WRITERS = 80;

    @TestHTTPResource("/orders")
    URI orders;

    record Answer(int status, String contentType, String retryAfter, String body, long millis) {
    }

    @Test
    void aBlockedWriteDatabaseAnswers503WithinTwoSecondsAndNoWriteHalfHappens() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        warm(http);
        long ordersBefore = count("SELECT count(*) FROM orders");
        long outboxBefore = count("SELECT count(*) FROM outbox");
        List<Answer> answers = new ArrayList<>();
        try (Connection lock = WriteDb.connect()) {
            // Inserts into orders wait behind this lock, as they would behind a database that stopped answering.
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE orders IN SHARE MODE");
            }
            List<CompletableFuture<Answer>> calls = new ArrayList<>();
            for (int i = 0; i < WRITERS; i++) {
                long t0 = System.nanoTime();
                calls.add(http.sendAsync(OrderApi.placeOrder(orders, DevData.ADA).timeout(Duration.ofSeconds(20))
                        .header("Idempotency-Key", UUID.randomUUID().toString()).build(),
                        HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                                r.headers().firstValue("Retry-After").orElse(null), r.body(),
                                (System.nanoTime() - t0) / 1_000_000)));
            }
            for (var c : calls) {
                answers.add(c.get());
            }
            // The statements the deadline walked away from end on the role's lock_timeout and roll back; only then
            // is the lock released, so none of them can commit after this test looked.
            Awaitility.await("blocked inserts gave up").atMost(Duration.ofSeconds(15))
                    .until(() -> WriteDb.lockWaitsOn(lock, "orders") == 0);
            lock.rollback();
        }

        for (Answer a : answers) {
            assertEquals(503, a.status(), "every write answered 503: " + a);
            assertTrue(a.contentType().startsWith("application/problem+json"), "problem+json: " + a);
            assertTrue(a.retryAfter() != null && Integer.parseInt(a.retryAfter()) >= 1, "Retry-After: " + a);
            assertTrue(a.millis() < 2000, "answered within 2 s: " + a);
        }
        assertTrue(answers.stream().anyMatch(a -> a.body().contains("did not answer in time")
                || a.body().contains("within its deadline")), "some waited for their deadline");
        assertTrue(answers.stream().anyMatch(a -> a.body().contains("the server is at capacity")),
                "some were turned away at once by admission control");
        // The problem says what became of the write: turned away before it started, or possibly applied. Admission
        // control's refusal comes before any work, and says only when to retry.
        for (Answer a : answers) {
            if (a.body().contains("the server is at capacity")) {
                continue;
            }
            boolean turnedAway = a.body().contains("too many requests are waiting")
                    || a.body().contains("within its deadline") || a.body().contains("a database is failing");
            assertTrue(a.body().contains(turnedAway ? "nothing was written"
                    : "may still have been applied; retry with the same Idempotency-Key"), "the write's outcome: " + a);
        }
        assertEquals(ordersBefore, count("SELECT count(*) FROM orders"), "no order written");
        assertEquals(outboxBefore, count("SELECT count(*) FROM outbox"), "no event written");

        // Once the database answers again (after the breaker's delay), writes succeed.
        Awaitility.await("writes succeed again").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> http.send(OrderApi.placeOrder(orders, DevData.ADA).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 201);
    }

    /**
     * A write that answered 503 for its deadline may commit afterwards (its statement waited, then ran). Its outbox row
     * still carries its request's trace, so the relay and the projector continue that trace: by then the request has
     * been answered and the tracer has detached its context, which the outbox row used to find empty.
     */
    @Test
    void aWriteThatCommitsAfterItsDeadlineKeepsItsRequestsTrace() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        warm(http);
        String key = UUID.randomUUID().toString();
        String traceId = UUID.randomUUID().toString().replace("-", "");
        HttpResponse<String> first;
        try (Connection lock = WriteDb.connect()) {
            lock.setAutoCommit(false);
            // The use case's read of the products waits, so the order and its outbox row are built only after
            // the request was answered (a lock on orders would hold only the flush, after both were built).
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE");
            }
            first = http.send(post(key, traceId), HttpResponse.BodyHandlers.ofString());
            // released well inside the role's 2 s lock_timeout: the waiting read goes on and the write commits
            lock.rollback();
        }
        assertEquals(503, first.statusCode(), first.body());
        assertTrue(first.body().contains("may still have been applied"), first.body());

        // the client's retry with the same key (another trace) returns what the first request did
        String retryTrace = UUID.randomUUID().toString().replace("-", "");
        AtomicReference<HttpResponse<String>> retry = new AtomicReference<>();
        Awaitility.await("the first write's outcome").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    retry.set(http.send(post(key, retryTrace), HttpResponse.BodyHandlers.ofString()));
                    return retry.get().statusCode() != 409 && retry.get().statusCode() != 503;
                });
        assertEquals(201, retry.get().statusCode(), "the first write committed: " + retry.get().body());
        String orderId = JsonPath.from(retry.get().body()).getString("id");
        String stored = WriteDb.createdEventTraceContext(orderId);
        assertTrue(stored != null && stored.contains("00-" + traceId + "-"),
                "the outbox row carries the first request's trace: " + stored);
    }

    /**
     * The claims are about a running instance whose database stalls, not about a JVM's first requests (class loading,
     * JIT, the tracer's first spans): a few writes first, each under the short deadline.
     */
    private void warm(HttpClient http) throws Exception {
        for (int i = 0; i < 5; i++) {
            http.send(OrderApi.placeOrder(orders, DevData.ADA).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    private HttpRequest post(String key, String traceId) {
        return OrderApi.placeOrder(orders, DevData.ADA).timeout(Duration.ofSeconds(10))
                .header("Idempotency-Key", key).header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01").build();
    }

    private long count(String sql) throws SQLException {
        try (Connection c = WriteDb.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
