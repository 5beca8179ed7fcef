package dev.orders.tracing;

import io.opentelemetry.api.internal.InstrumentationUtil;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Skips the client spans of an API request that is not sampled. Those spans are never recorded ({@link
 * ApiRequestSampler} follows the parent), yet without this the Vert.x tracer still builds each one: for every SQL
 * statement and Redis command it extracts attributes, sanitizes the statement (ours carry literals, so the sanitizer's
 * cache never hits) and asks the sampler. That was 10 % of a cold read's CPU at a sample ratio of 0.1, for nothing.
 *
 * <p>This puts OpenTelemetry's own "suppress instrumentation" flag on an unsampled request's context, before any of
 * its work; every {@code Instrumenter} checks it first and starts nothing. The request's span context stays as it
 * was: logs keep its trace id, and the W3C context an outbox row stores still says "not sampled". A sampled request
 * keeps every span.
 */
@ApplicationScoped
public class UnsampledRequests {

    void install(@Observes Router router) {
        // first of all routes: admission control, authentication and JAX-RS all run after it
        router.route().order(Integer.MIN_VALUE).handler(UnsampledRequests::suppressClientSpans);
    }

    static void suppressClientSpans(RoutingContext ctx) {
        if (VertxContext.isOnDuplicatedContext()) {
            Context request = Context.current();
            Context marked = forRequest(request);
            if (marked != request) {
                // the server span's own scope restores what was there before it when the response ends
                marked.makeCurrent();
            }
        }
        ctx.next();
    }

    /** {@code request} itself when its span is sampled, else the same context flagged to start no further spans. */
    static Context forRequest(Context request) {
        if (Span.fromContext(request).getSpanContext().isSampled()) {
            return request;
        }
        // the flag's key is private to the API; its public setter flags the current context for one Runnable
        Context[] flagged = new Context[1];
        try (var scope = request.makeCurrent()) {
            InstrumentationUtil.suppressInstrumentation(() -> flagged[0] = Context.current());
        }
        return flagged[0];
    }
}
