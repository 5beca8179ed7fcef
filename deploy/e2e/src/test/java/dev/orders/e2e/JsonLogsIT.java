package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * The prod profile logs one JSON object per line, and a line written while a request is traced carries its trace and
 * span ids (MDC). A second command-service runs with the prod defaults (the stack's own run with
 * ORDERS_LOG_JSON=false, readable text), with DEBUG on for the service's own category so that placing an order logs.
 */
class JsonLogsIT {
    private static final String ADA = "c0000000-0000-4000-8000-000000000001";
    private static final String BODY = """
            {"items":[{"productId":"a0000000-0000-4000-8000-000000000001","quantity":1}]}""";
    private Process second;

    @AfterEach
    void stop() throws InterruptedException {
        if (second != null) {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void prodLogsAreJsonAndCarryTheRequestsTraceId() throws Exception {
        String alt = "http://127.0.0.1:" + Stack.env("ORDERS_E2E_SECOND_PORT", "8091");
        second = Stack.startSecond("command-service", alt, Map.of(
                "MP_JWT_VERIFY_PUBLICKEY_LOCATION", Stack.STATE.resolve("jwt/publicKey.pem").toString(),
                "ORDERS_OUTBOX_RELAY_ENABLED", "false", // the stack's relay publishes what this one writes
                "QUARKUS_LOG_CATEGORY__DEV_ORDERS_COMMAND__LEVEL", "DEBUG"));
        Path log = Stack.STATE.resolve("logs/command-service-second.log");

        // as a well-behaved client: a fresh instance may shed its first writes (503 + Retry-After, its JVM still
        // cold), after Retry-After it is asked again. Each attempt is a new order under a new trace: a write that
        // answered 503 for its deadline may still commit afterwards, and its line, written once its request has
        // ended, carries no request's trace; the line checked below is the one of a request that answered 201 itself
        String traceId = null;
        HttpResponse<String> created = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            traceId = UUID.randomUUID().toString().replace("-", "");
            HttpRequest traced = HttpRequest.newBuilder(URI.create(alt + "/orders"))
                    .header("Authorization", Stack.token(ADA)).header("Content-Type", "application/json")
                    .header("Idempotency-Key", UUID.randomUUID().toString())
                    .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                    .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
            created = Stack.HTTP.send(traced, HttpResponse.BodyHandlers.ofString());
            if (created.statusCode() != 503) {
                break;
            }
            TimeUnit.SECONDS.sleep(Long.parseLong(created.headers().firstValue("Retry-After").orElse("1")));
        }
        assertEquals(201, created.statusCode(), created.body());
        String orderId = JsonPath.from(created.body()).getString("id");

        String[] placed = { null };
        Awaitility.await("the order's log line").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    placed[0] = Files.readAllLines(log).stream().filter(l -> l.contains(orderId)).findFirst()
                            .orElse(null);
                    return placed[0] != null;
                });
        JsonPath line = JsonPath.from(placed[0]);
        assertEquals("DEBUG", line.getString("level"), placed[0]);
        assertEquals("dev.orders.command.service.OrderService", line.getString("loggerName"), placed[0]);
        assertTrue(line.getString("message").contains(orderId), placed[0]);
        assertFalse(line.getString("timestamp").isBlank(), placed[0]);
        assertEquals(traceId, line.getString("mdc.traceId"), "the request's trace id: " + placed[0]);
        assertTrue(line.getString("mdc.spanId").matches("[0-9a-f]{16}"), placed[0]);

        // every line the instance wrote is a JSON object (start-up, Kafka, Flyway, the request above)
        List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() > 5, "the instance logged");
        for (String l : lines) {
            assertTrue(l.startsWith("{") && l.endsWith("}") && JsonPath.from(l).getString("level") != null,
                    "a JSON log line: " + l);
        }
    }
}
