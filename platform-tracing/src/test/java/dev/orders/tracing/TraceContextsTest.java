package dev.orders.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;

/** The projector's shortcut for unsampled records agrees with what the propagator extracts. */
class TraceContextsTest {
    private static final TraceContexts W3C = new TraceContexts(
            OpenTelemetry.propagating(ContextPropagators.create(W3CTraceContextPropagator.getInstance())));

    private static Headers traceparent(String value) {
        Headers headers = new RecordHeaders();
        if (value != null) {
            headers.add("traceparent", value.getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Test
    void onlyASampledW3cParentMaySample() {
        String id = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-";
        List<String> values = List.of(id + "01", id + "03", id + "00", id + "02", id + "0x", id + "0",
                "00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01", "");
        for (String value : values) {
            Headers headers = traceparent(value);
            boolean extracted = Span.fromContext(W3C.fromHeaders(headers)).getSpanContext().isSampled();
            assertEquals(extracted, W3C.maySample(headers), "traceparent " + value);
        }
        assertTrue(W3C.maySample(traceparent(id + "01")), "the case the projector must not skip");
        assertFalse(W3C.maySample(traceparent(id + "00")));
        assertFalse(W3C.maySample(traceparent(null)), "a seeded or replayed event carries none");
    }

    @Test
    void anotherPropagatorIsNeverShortCut() {
        TraceContexts other = new TraceContexts(OpenTelemetry.propagating(ContextPropagators.create(
                TextMapPropagator.noop())));
        assertTrue(other.maySample(traceparent(null)));
    }
}
