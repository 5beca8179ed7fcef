package dev.orders.http.admission;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
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
 * {@code orders.admission.max-retry-after} when far more clients come than the instance admits.
 *
 * <p>A client that ignores {@code Retry-After} and sends again at once would make the instance spend on rejections
 * the CPU its admitted requests need (24,000 rejections a second and a goodput of ×0.02 in session 18's overload run
 * without what follows). So an HTTP/1.1 connection that was rejected gets a hold window: its next request that finds
 * no free slot is held, not answered, until the window ends, and then tries again. The window doubles with each
 * rejection in a row on that connection, from {@code orders.admission.reject-hold.first} up to its {@code
 * Retry-After} and {@code orders.admission.max-reject-pause}, and an admission on the connection clears it. A request
 * that finds a free slot is always served at once. A held request keeps its arrival time: it waits for a slot, on
 * its connection and then in the waiting room, no longer in all than a request in the waiting room may ({@code
 * orders.admission.queue.max-wait}), and a window that ends past that ends in a 503. So no 200 goes out seconds
 * after its request was sent (session 19's overload runs served some after holds of up to 5 s, when a real client's
 * own timeout may well have passed), and its deadline counts from its arrival. Both matter behind an ingress or a
 * client's pool, where
 * one connection carries many callers' requests: the first design stopped reading a rejected connection for its whole
 * {@code Retry-After}, and a burst at half load then held requests of other callers for up to 5 s (BENCHMARKS.md,
 * session 18).
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
    private final Counter held;
    /** On a rejected connection's channel: its hold window (cleared by an admission). */
    private static final AttributeKey<Hold> HOLD = AttributeKey.valueOf("orders.admission.hold");
    private final long firstHoldNanos;
    /** The longest any request waits for a slot, held on its connection or in the waiting room. */
    private final long maxWaitNanos;
    private final Counter rejectedAfterHold;

    /** A rejected connection's hold window: until when (System.nanoTime), after how many rejections in a row. */
    private record Hold(long untilNanos, int strikes) {
    }

    /** A request waiting for a slot, with the Vert.x context it arrived on (it must continue there). */
    private record Pending(RoutingContext ctx, Context context, long arrivedNanos) {
    }

    public AdmissionControl(AdmissionConfig config, MeterRegistry registry) {
        this.enabled = config.enabled();
        this.maxInFlight = config.maxInFlight();
        this.deadlineNanos = config.requestDeadline().toNanos();
        this.retryAfter = new RetryAfterSpread(config.maxRetryAfter().toSeconds());
        this.maxPauseMillis = config.maxRejectPause().toMillis();
        this.firstHoldNanos = config.rejectHold().first().toNanos();
        this.maxWaitNanos = config.queue().maxWait().toNanos();
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
        this.rejectedAfterHold = registry.counter("http.admission.rejected", "after", "hold");
        this.queued = registry.counter("http.admission.queued");
        this.held = registry.counter("http.admission.held");
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
        admit(ctx, System.nanoTime(), false);
    }

    /** Admits, holds, queues or rejects a request that arrived at {@code arrived} (earlier when it was held). */
    private void admit(RoutingContext ctx, long arrived, boolean wasHeld) {
        long now = System.nanoTime();
        if (wasHeld && now - arrived > maxWaitNanos) {
            // held on its connection longer than any request waits for a slot: answered now, not served late
            rejectedAfterHold.increment();
            reject(ctx);
            return;
        }
        // nobody waits ahead of this request: it takes a free slot or, with no queue, is rejected
        if (waiting == null || waiting.isEmpty()) {
            if (tryAcquire()) {
                start(ctx, arrived);
                return;
            }
        }
        // no slot for it now: on a connection whose Retry-After is still running it waits that out before trying again
        long holdNanos = holdLeft(ctx, now);
        if (holdNanos > 0) {
            held.increment();
            ctx.vertx().setTimer(Math.max(1, holdNanos / 1_000_000), id -> {
                if (!ctx.response().closed()) {
                    admit(ctx, arrived, true);
                }
            });
            return;
        }
        if (waiting == null) {
            (wasHeld ? rejectedAfterHold : rejected).increment();
            reject(ctx);
            return;
        }
        WaitingRoom.Entry<Pending> entry = waiting.offer(new Pending(ctx, Vertx.currentContext(), arrived));
        if (entry == null) {
            (wasHeld ? rejectedAfterHold : rejected).increment();
            reject(ctx);
            return;
        }
        queued.increment();
        // a held request waits here only for what is left of the longest wait
        long waitNanos = wasHeld ? Math.min(entry.waitNanos(), maxWaitNanos - (now - arrived)) : entry.waitNanos();
        // runs on this request's context; a no-op when the request was admitted meanwhile
        ctx.vertx().setTimer(Math.max(1, waitNanos / 1_000_000), id -> {
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
        Channel channel = http1Channel(ctx);
        if (channel != null && channel.hasAttr(HOLD)) {
            channel.attr(HOLD).set(null); // admitted: the connection starts afresh
        }
        RequestDeadline.startAt(arrivedNanos + deadlineNanos);
        ctx.next();
    }

    private void reject(RoutingContext ctx) {
        int seconds = (int) Math.min(retryAfter.rejected(), rejections.length - 1);
        ctx.response().setStatusCode(503)
                .putHeader("Content-Type", ProblemMappers.PROBLEM_JSON.toString())
                .putHeader("Retry-After", Integer.toString(seconds))
                .end(rejections[seconds]);
        long maxHoldNanos = Math.min(maxPauseMillis, seconds * 1000L) * 1_000_000;
        Channel channel = http1Channel(ctx);
        if (maxHoldNanos > 0 && firstHoldNanos > 0 && channel != null) {
            Hold last = channel.attr(HOLD).get();
            int strikes = last == null ? 1 : Math.min(last.strikes() + 1, 30);
            long window = Math.min(maxHoldNanos, firstHoldNanos << Math.min(strikes - 1, 20));
            channel.attr(HOLD).set(new Hold(System.nanoTime() + window, strikes));
        }
    }

    /** How long this request's connection has yet to wait out its hold window; 0 when none. */
    private static long holdLeft(RoutingContext ctx, long now) {
        Channel channel = http1Channel(ctx);
        Hold hold = channel == null ? null : channel.attr(HOLD).get();
        return hold == null ? 0 : Math.max(0, hold.untilNanos() - now);
    }

    /**
     * The Netty channel of an HTTP/1.x request's connection (Vert.x's ConnectionBase; Vert.x has no public per-connection
     * state). HTTP/2 is left alone: one connection carries many streams at once.
     */
    private static Channel http1Channel(RoutingContext ctx) {
        return ctx.request().version() != HttpVersion.HTTP_2
                && ctx.request().connection() instanceof ConnectionBase connection ? connection.channel() : null;
    }

    /** Requests being worked on now (for tests and the gauge). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests held on a rejected connection so far (for tests; {@code http.admission.held} counts the same). */
    public long heldSoFar() {
        return (long) held.count();
    }

    /** Requests waiting for a slot now (for tests and the gauge). */
    public int waiting() {
        return waiting == null ? 0 : waiting.size();
    }
}
