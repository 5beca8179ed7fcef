package dev.orders.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.SpanKindExtractor;

/**
 * An unsampled request's context starts no client spans (the SQL and Redis instrumentation's {@link Instrumenter}s
 * skip it); a sampled one's still does, and both keep the request's own span context.
 */
class UnsampledRequestsTest {
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    /** Built as the Vert.x SQL and Redis tracers build theirs: a client instrumenter over the default suppression. */
    private final Instrumenter<String, Void> statements = Instrumenter
            .<String, Void> builder(OpenTelemetry.noop(), "test", statement -> statement)
            .buildInstrumenter(SpanKindExtractor.alwaysClient());

    private static Context request(boolean sampled) {
        return Context.root().with(Span.wrap(SpanContext.create(TRACE, "b7ad6b7169203331",
                sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault())));
    }

    @Test
    void anUnsampledRequestStartsNoClientSpanButKeepsItsTraceId() {
        Context request = request(false);
        assertTrue(statements.shouldStart(request, "SELECT 1"), "without the flag the span would be built");

        Context marked = UnsampledRequests.forRequest(request);

        assertFalse(statements.shouldStart(marked, "SELECT 1"));
        assertEquals(Span.fromContext(request).getSpanContext(), Span.fromContext(marked).getSpanContext(),
                "logs and the outbox's trace context still see the request's trace id and 'not sampled'");
    }

    @Test
    void aSampledRequestKeepsEverySpan() {
        Context request = request(true);

        Context marked = UnsampledRequests.forRequest(request);

        assertSame(request, marked);
        assertTrue(statements.shouldStart(marked, "SELECT 1"));
    }

    @Test
    void workOutsideAnyRequestIsFlaggedToo() {
        // no span at all (tracing off, or a context with no request): nothing below it could be recorded either
        assertFalse(statements.shouldStart(UnsampledRequests.forRequest(Context.root()), "SELECT 1"));
    }
}
