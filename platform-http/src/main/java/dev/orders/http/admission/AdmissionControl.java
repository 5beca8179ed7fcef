package dev.orders.http.admission;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Load shedding at the edge: at most {@code orders.admission.max-in-flight} API requests are worked on at once per
 * instance; one more is answered at once with {@code 503} problem+json and {@code Retry-After}, before any JWT,
 * Redis or SQL work is spent on it. Past capacity the instance keeps serving what it can at normal latency instead of
 * queueing everyone into timeouts (which would also push the overflow onto the smallest pool, the read primary).
 *
 * <p>An admitted request gets one {@link RequestDeadline} that every dependency call on its path shares.
 *
 * <p>Written by hand rather than as a SmallRye {@code @Bulkhead}: it must run as the first Vert.x route, before
 * authentication and JAX-RS, and cost a counter increment; a rejection is a pre-encoded body. Management paths
 * ({@code /q/...}) are never shed.
 */
@ApplicationScoped
public class AdmissionControl {
    public static final ProblemType OVERLOADED = ProblemType.of("overloaded", "Server is at capacity");

    private final boolean enabled;
    private final int maxInFlight;
    private final long deadlineNanos;
    private final String retryAfter;
    private final Buffer rejection;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter rejected;

    public AdmissionControl(@ConfigProperty(name = "orders.admission.enabled", defaultValue = "false") boolean enabled,
            @ConfigProperty(name = "orders.admission.max-in-flight", defaultValue = "64") int maxInFlight,
            @ConfigProperty(name = "orders.admission.request-deadline", defaultValue = "PT1S") Duration deadline,
            @ConfigProperty(name = "orders.admission.retry-after", defaultValue = "PT1S") Duration retryAfter,
            MeterRegistry registry) {
        this.enabled = enabled;
        this.maxInFlight = maxInFlight;
        this.deadlineNanos = deadline.toNanos();
        this.retryAfter = Long.toString(Math.max(1, retryAfter.toSeconds()));
        this.rejection = Buffer.buffer(("{\"type\":\"" + OVERLOADED.uri() + "\",\"title\":\"" + OVERLOADED.title()
                + "\",\"status\":503,\"detail\":\"the server is at capacity; retry after " + this.retryAfter
                + " s\"}").getBytes(StandardCharsets.UTF_8));
        this.rejected = registry.counter("http.admission.rejected");
        Gauge.builder("http.admission.in_flight", inFlight, AtomicInteger::get)
                .description("API requests being worked on").register(registry);
        Gauge.builder("http.admission.max_in_flight", () -> maxInFlight).register(registry);
    }

    void install(@Observes Router router) {
        if (enabled) {
            // right after Quarkus's own bookkeeping routes, before authentication (-200) and JAX-RS
            router.route().order(RouteConstants.ROUTE_ORDER_BODY_HANDLER + 1).handler(this::admit);
        }
    }

    void admit(RoutingContext ctx) {
        if (ctx.request().path().startsWith("/q/")) {
            ctx.next();
            return;
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            rejected.increment();
            ctx.response().setStatusCode(503)
                    .putHeader("Content-Type", ProblemMappers.PROBLEM_JSON.toString())
                    .putHeader("Retry-After", retryAfter)
                    .end(rejection);
            return;
        }
        // ends once: when the response is written, or when the client goes away first
        ctx.addEndHandler(done -> inFlight.decrementAndGet());
        RequestDeadline.start(deadlineNanos);
        ctx.next();
    }

    /** Requests being worked on now (for tests and the gauge). */
    public int inFlight() {
        return inFlight.get();
    }
}
