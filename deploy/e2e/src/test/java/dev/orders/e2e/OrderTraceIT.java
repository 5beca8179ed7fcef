package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * One order's life is one trace: the write API's HTTP POST and its relay's publish (command-service), then the
 * projector's apply, all under one trace id, as {@code deploy/local/trace <order-id>} prints it from the stack's trace
 * collector. The W3C context crosses the asynchronous hop through the outbox row and the Kafka headers.
 */
class OrderTraceIT {
    private static final String ADA = "c0000000-0000-4000-8000-000000000001";
    private static final String BODY = """
            {"items":[{"productId":"a0000000-0000-4000-8000-000000000001","quantity":1}]}""";
    /** The tree's span lines: service, indented span name, duration. */
    private static final Pattern SPAN = Pattern.compile("^  (\\S+)\\s+(\\S.*?)\\s+(\\d+\\.\\d) ms .*$",
            Pattern.MULTILINE);
    private static final Pattern TRACE = Pattern.compile("^trace ([0-9a-f]{32}):", Pattern.MULTILINE);

    record Span(String service, String name) {
    }

    @Test
    void oneTraceCoversTheWriteRequestItsPublishAndTheProjectorsApply() throws Exception {
        long before = System.currentTimeMillis();
        HttpResponse<String> created = Stack.post(Stack.WRITE_API + "/orders", Stack.token(ADA), BODY);
        assertEquals(201, created.statusCode(), created.body());
        String orderId = JsonPath.from(created.body()).getString("id");

        // spans reach the collector in batches (every few seconds per service): wait for all of them
        String out = awaitTrace(orderId, Duration.ofSeconds(60));

        Matcher traces = TRACE.matcher(out);
        assertTrue(traces.find(), out);
        String traceId = traces.group(1);
        assertTrue(!traces.find(), "exactly one trace for the order:\n" + out);

        List<Span> spans = SPAN.matcher(out).results().map(m -> new Span(m.group(1), m.group(2).trim())).toList();
        assertTrue(spans.contains(new Span("command-service", "POST /orders")), "the HTTP POST:\n" + out);
        assertTrue(spans.contains(new Span("command-service", "write transaction")), "its transaction:\n" + out);
        assertTrue(spans.contains(new Span("command-service", "orders.events.v1 publish")),
                "the relay's publish:\n" + out);
        assertTrue(spans.contains(new Span("projector", "apply orders.events.v1")), "the projector's apply:\n" + out);
        assertTrue(out.startsWith("trace " + traceId), out);

        // the stage percentiles over the writes traced from just before this one (others may run at the same time)
        Stack.Run pipeline = Stack.run(Map.of(), "deploy/local/trace", "--pipeline", "--from",
                Long.toString(before), "--to", Long.toString(System.currentTimeMillis()));
        assertEquals(0, pipeline.exitCode(), pipeline.out());
        Matcher writes = Pattern.compile("^(\\d+) sampled writes", Pattern.MULTILINE).matcher(pipeline.out());
        assertTrue(writes.find() && Integer.parseInt(writes.group(1)) >= 1, pipeline.out());
        for (String stage : List.of("201 -> relay publish", "publish -> apply starts", "apply (transaction)",
                "201 -> applied")) {
            assertTrue(pipeline.out().contains(stage), stage + ":\n" + pipeline.out());
        }
        long later = System.currentTimeMillis() + 3_600_000;
        Stack.Run none = Stack.run(Map.of(), "deploy/local/trace", "--pipeline", "--from", Long.toString(later),
                "--to", Long.toString(later + 1000));
        assertEquals(1, none.exitCode(), none.out());
        assertTrue(none.out().contains("no sampled write"), none.out());
    }

    @Test
    void anOrderWithoutATraceIsReportedAsSuch() throws Exception {
        Stack.Run run = Stack.run(Map.of(), "deploy/local/trace", UUID.randomUUID().toString());
        assertEquals(1, run.exitCode(), run.out());
        assertTrue(run.out().contains("no span"), run.out());
    }

    /**
     * Polls the trace script until the trace includes the write request, its publish and the projector's apply; at the
     * deadline, fails with its output.
     */
    private static String awaitTrace(String orderId, Duration within) {
        String[] last = { "" };
        try {
            Awaitility.await().atMost(within).pollInterval(Duration.ofSeconds(1)).until(() -> {
                Stack.Run run = Stack.run(Map.of(), "deploy/local/trace", orderId);
                last[0] = run.out();
                // each service sends its spans in its own batches (every few seconds): wait for every part
                return run.exitCode() == 0 && run.out().contains("apply orders.events.v1")
                        && run.out().contains("POST /orders") && run.out().contains("orders.events.v1 publish");
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no complete trace for " + orderId + " within " + within + ":\n" + last[0], e);
        }
        return last[0];
    }
}
