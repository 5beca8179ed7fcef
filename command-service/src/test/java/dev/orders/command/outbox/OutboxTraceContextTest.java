package dev.orders.command.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.command.WriteDb;
import dev.orders.testing.DevData;
import dev.orders.testing.KafkaTail;
import dev.orders.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * The write request's W3C trace context crosses the asynchronous hop: the outbox row stores the context of the span
 * that wrote it, and the relay's record carries a traceparent of the same trace (its publish span, a child of that
 * context). A request that is not traced, here one whose caller says "not sampled", leaves no context that would
 * start a trace downstream.
 */
@QuarkusTest
class OutboxTraceContextTest {
    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void theRequestsTraceReachesTheOutboxRowAndTheKafkaHeaders() throws Exception {
        String traceId = hex(32);
        String callerSpan = hex(16);
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            String orderId = create("00-" + traceId + "-" + callerSpan + "-01");

            String stored = WriteDb.createdEventTraceContext(orderId);
            assertNotNull(stored, "the outbox row holds the writing request's trace context");
            Matcher row = TRACEPARENT.matcher(stored);
            assertTrue(row.find(), "a W3C traceparent in " + stored);
            assertEquals(traceId, row.group(1), "the caller's trace");
            assertNotEquals(callerSpan, row.group(2), "the service's own span, a child of the caller's");
            assertEquals("01", row.group(3), "sampled");

            ConsumerRecord<String, String> record = tail.await(orderId, Duration.ofSeconds(20));
            Header header = record.headers().lastHeader("traceparent");
            assertNotNull(header, "the relayed record carries the trace context");
            Matcher sent = TRACEPARENT.matcher(new String(header.value(), StandardCharsets.UTF_8));
            assertTrue(sent.matches(), "a W3C traceparent header");
            assertEquals(traceId, sent.group(1), "the same trace continues through Kafka");
            assertNotEquals(row.group(2), sent.group(2), "the relay's publish span, a child of the stored context");
        }
    }

    /**
     * Many writes at once, more than the write bulkhead runs together: each outbox row holds its own request's trace.
     * A call that waited in the bulkhead's queue is started from the call that freed its place; assembled there, it
     * stored that other request's trace (151-160 of these 160 rows before WriteDatabase assembled calls itself).
     */
    @Test
    void concurrentWritesEachStoreTheirOwnRequestsTrace() throws Exception {
        Map<String, String> traceOfOrder = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                String traceId = hex(32);
                writes.add(clients.submit(() -> traceOfOrder.put(create("00-" + traceId + "-" + hex(16) + "-01"),
                        traceId)));
            }
            for (Future<?> write : writes) {
                write.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        List<String> wrong = new ArrayList<>();
        for (var e : traceOfOrder.entrySet()) {
            String stored = WriteDb.createdEventTraceContext(e.getKey());
            Matcher row = TRACEPARENT.matcher(stored == null ? "" : stored);
            if (!row.find() || !row.group(1).equals(e.getValue())) {
                wrong.add(e.getKey() + " sent " + e.getValue() + ", stored " + stored);
            }
        }
        assertEquals(160, traceOfOrder.size());
        assertEquals(List.of(), wrong, "outbox rows holding another request's trace");
    }

    @Test
    void anUnsampledRequestStartsNoTraceDownstream() throws Exception {
        String orderId = create("00-" + hex(32) + "-" + hex(16) + "-00");
        String stored = WriteDb.createdEventTraceContext(orderId);
        // the caller's decision travels with the context (flag 00), so nothing downstream records this trace
        assertNotNull(stored, "the context is stored all the same");
        Matcher row = TRACEPARENT.matcher(stored);
        assertTrue(row.find(), stored);
        assertEquals("00", row.group(3), "not sampled: " + stored);
    }

    private static String create(String traceparent) {
        return io.restassured.RestAssured.given().header("Authorization", Tokens.customer(DevData.ADA))
                .header("traceparent", traceparent).contentType(ContentType.JSON).body(OrderApi.ONE_KEYBOARD)
                .post("/orders").then().statusCode(201).extract().path("id");
    }

    private static String hex(int digits) {
        StringBuilder b = new StringBuilder(digits);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < digits; i++) {
            b.append(Character.forDigit(r.nextInt(16), 16));
        }
        return b.toString();
    }
}
