package dev.orders.http.admission;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
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
 * <p>A rejection's {@code Retry-After} follows the load ({@link RetryAfterSpread}): 1 s at the edge of capacity, up to
 * {@code orders.admission.max-retry-after} when far more clients come than the instance admits. On HTTP/1.1 the
 * rejected connection is then not read from for that long (at most {@code orders.admission.max-reject-pause}): a
 * client that ignores {@code Retry-After} and sends again at once waits anyway, so a flood of retries cannot spend the
 * CPU the admitted requests need. A client that honours it never notices; the connection holds no other resource.
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
    private final RetryAfterSpread retryAfter;
    private final long maxPauseMillis;
    private final Buffer[] rejections;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter rejected;

    public AdmissionControl(AdmissionConfig config, MeterRegistry registry) {
        this.enabled = config.enabled();
        this.maxInFlight = config.maxInFlight();
        this.deadlineNanos = config.requestDeadline().toNanos();
        this.retryAfter = new RetryAfterSpread(config.maxRetryAfter().toSeconds());
        this.maxPauseMillis = config.maxRejectPause().toMillis();
        // one pre-encoded body per Retry-After value
        this.rejections = new Buffer[(int) Math.max(1, config.maxRetryAfter().toSeconds()) + 1];
        for (int seconds = 1; seconds < rejections.length; seconds++) {
            rejections[seconds] = Buffer.buffer(("{\"type\":\"" + OVERLOADED.uri() + "\",\"title\":\""
                    + OVERLOADED.title() + "\",\"status\":503,\"detail\":\"the server is at capacity; retry after "
                    + seconds + " s\"}").getBytes(StandardCharsets.UTF_8));
        }
        this.rejected = registry.counter("http.admission.rejected");
        Gauge.builder("http.admission.in_flight", inFlight, AtomicInteger::get)
                .description("API requests being worked on").register(registry);
        Gauge.builder("http.admission.max_in_flight", () -> maxInFlight).register(registry);
        Gauge.builder("http.admission.retry_after_mean", this.retryAfter, RetryAfterSpread::meanSeconds)
                .description("mean Retry-After given to rejected requests now").baseUnit("seconds").register(registry);
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
            reject(ctx);
            return;
        }
        retryAfter.admitted();
        // ends once: when the response is written, or when the client goes away first
        ctx.addEndHandler(done -> inFlight.decrementAndGet());
        RequestDeadline.start(deadlineNanos);
        ctx.next();
    }

    private void reject(RoutingContext ctx) {
        rejected.increment();
        int seconds = (int) Math.min(retryAfter.rejected(), rejections.length - 1);
        ctx.response().setStatusCode(503)
                .putHeader("Content-Type", ProblemMappers.PROBLEM_JSON.toString())
                .putHeader("Retry-After", Integer.toString(seconds))
                .end(rejections[seconds]);
        // Vert.x has no public API to stop reading one connection; ConnectionBase (its HTTP/1.x connection) pauses
        // and resumes reading the socket. HTTP/2 is left alone: a pause would stall the connection's other streams.
        long pause = Math.min(maxPauseMillis, seconds * 1000L);
        if (pause > 0 && ctx.request().version() != HttpVersion.HTTP_2
                && ctx.request().connection() instanceof ConnectionBase connection) {
            connection.doPause();
            ctx.vertx().setTimer(pause, id -> connection.doResume());
        }
    }

    /** Requests being worked on now (for tests and the gauge). */
    public int inFlight() {
        return inFlight.get();
    }
}
