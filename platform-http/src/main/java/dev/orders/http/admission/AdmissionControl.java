package dev.orders.http.admission;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
 * <p>A request that finds the limit reached may wait a moment in a short {@link WaitingRoom} ({@code
 * orders.admission.queue.*}): a burst after a stall of the machine is served instead of shed, while sustained
 * overload still gets its 503s at once (a full queue) or after the standing queue's few milliseconds.
 *
 * <p>An admitted request gets one {@link RequestDeadline}, counted from its arrival, that every dependency call on
 * its path shares.
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
    /** null when no request may wait (queue size 0). */
    private final WaitingRoom<Pending> waiting;
    private final Counter rejected;
    private final Counter rejectedAfterWaiting;
    private final Counter queued;

    /** A request waiting for a slot, with the Vert.x context it arrived on (it must continue there). */
    private record Pending(RoutingContext ctx, Context context, long arrivedNanos) {
    }

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
        AdmissionConfig.Queue queue = config.queue();
        this.waiting = queue.size() <= 0 ? null
                : new WaitingRoom<>(queue.size(), queue.maxWait().toNanos(), queue.standingWait().toNanos(),
                        queue.standingAfter().toNanos(), System::nanoTime);
        this.rejected = registry.counter("http.admission.rejected", "after", "none");
        this.rejectedAfterWaiting = registry.counter("http.admission.rejected", "after", "waiting");
        this.queued = registry.counter("http.admission.queued");
        Gauge.builder("http.admission.in_flight", inFlight, AtomicInteger::get)
                .description("API requests being worked on").register(registry);
        Gauge.builder("http.admission.waiting", this, AdmissionControl::waiting)
                .description("API requests waiting for a slot").register(registry);
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
        long arrived = System.nanoTime();
        // nobody waits ahead of this request: it takes a free slot or, with no queue, is rejected
        if (waiting == null || waiting.isEmpty()) {
            if (tryAcquire()) {
                start(ctx, arrived);
                return;
            }
            if (waiting == null) {
                rejected.increment();
                reject(ctx);
                return;
            }
        }
        WaitingRoom.Entry<Pending> entry = waiting.offer(new Pending(ctx, Vertx.currentContext(), arrived));
        if (entry == null) {
            rejected.increment();
            reject(ctx);
            return;
        }
        queued.increment();
        // runs on this request's context; a no-op when the request was admitted meanwhile
        ctx.vertx().setTimer(Math.max(1, entry.waitNanos() / 1_000_000), id -> {
            if (waiting.remove(entry)) {
                rejectedAfterWaiting.increment();
                reject(ctx);
            }
        });
        admitWaiting(); // a slot may have freed between tryAcquire and offer
    }

    /** Starts waiting requests while slots are free. Called after a request ends and after one is queued. */
    private void admitWaiting() {
        while (!waiting.isEmpty() && tryAcquire()) {
            Pending next = waiting.poll();
            if (next == null || next.ctx().response().closed()) {
                // taken by another thread, or its client left while it waited: give the slot back and look again
                inFlight.decrementAndGet();
                continue;
            }
            next.context().runOnContext(v -> start(next.ctx(), next.arrivedNanos()));
        }
    }

    private boolean tryAcquire() {
        for (int n = inFlight.get(); n < maxInFlight; n = inFlight.get()) {
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    private void start(RoutingContext ctx, long arrivedNanos) {
        retryAfter.admitted();
        // ends once: when the response is written, or when the client goes away first
        ctx.addEndHandler(done -> {
            inFlight.decrementAndGet();
            if (waiting != null && !waiting.isEmpty()) {
                admitWaiting();
            }
        });
        RequestDeadline.startAt(arrivedNanos + deadlineNanos);
        ctx.next();
    }

    private void reject(RoutingContext ctx) {
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

    /** Requests waiting for a slot now (for tests and the gauge). */
    public int waiting() {
        return waiting == null ? 0 : waiting.size();
    }
}
