package dev.orders.query.ratelimit;

import java.util.UUID;
import java.util.function.Supplier;

import dev.orders.http.context.CallerContext;
import io.smallrye.mutiny.Uni;

/**
 * One instance's batch of permits for one principal and route class (see {@link RateLimiter}). Spending is local and
 * synchronized; one refill at a time goes to Redis, and requests that find the batch empty meanwhile wait for it.
 */
final class Lease {
    /** What the next Redis call asks for, and which earlier batch it hands back (with how much of it was spent). */
    record Ask(int permits, String batchId, String previousBatch, int previousSpent) {
    }

    private String batch = "";
    private int granted;
    private int spent;
    private long expiresAt;
    private long leasedAt;
    private long remainingInWindow;
    private long resetMillis;
    private int nextSize = 1;
    private Uni<RateLimiter.Grant> refilling;

    /** A decision if a leased permit is left (and still within its lease), else null. */
    synchronized RateLimiter.Decision trySpend(int limit) {
        if (spent < granted && System.nanoTime() - expiresAt < 0) {
            spent++;
            return new RateLimiter.Decision(true, limit, remainingInWindow + granted - spent, resetMillis());
        }
        return null;
    }

    /** The batch size to ask for: doubles while batches are spent within their lease, else back to one. */
    synchronized Ask nextAsk(int max) {
        boolean spentInTime = granted > 0 && spent == granted && System.nanoTime() - expiresAt < 0;
        nextSize = spentInTime ? Math.min(max, nextSize * 2) : 1;
        return new Ask(Math.min(max, nextSize), UUID.randomUUID().toString(), batch, spent);
    }

    synchronized void granted(Ask ask, RateLimiter.Grant grant, long leaseNanos) {
        batch = grant.permits() > 0 ? ask.batchId() : "";
        granted = grant.permits();
        spent = 0;
        leasedAt = System.nanoTime();
        expiresAt = leasedAt + leaseNanos;
        remainingInWindow = grant.remaining();
        resetMillis = grant.resetMillis();
        refilling = null;
    }

    /**
     * Runs {@code call} unless a refill is already on its way, in which case this request waits for that one. Either
     * way the grant reaches each request on its own Vert.x context: the refill completes on the event loop of the
     * request that started it, and a request from another event loop must not continue there (its request context,
     * identity and response belong to its own; continuing on the other loop once delivered one request's decision
     * into another's filter chain, a ClassCastException and a 500 under overload). Quarkus's cache does the same for
     * a shared load ({@code CaffeineCacheImpl.getAsync}).
     */
    Uni<RateLimiter.Grant> refill(Supplier<Uni<RateLimiter.Grant>> call) {
        Uni<RateLimiter.Grant> shared;
        synchronized (this) {
            if (refilling == null) {
                refilling = Uni.createFrom().<RateLimiter.Grant> deferred(call::get).onFailure()
                        .invoke(this::refillFailed).memoize().indefinitely();
            }
            shared = refilling;
        }
        return shared.emitOn(CallerContext.capture());
    }

    private synchronized void refillFailed() {
        refilling = null;
    }

    /** Milliseconds until the oldest counted batch leaves the window, as of now. */
    synchronized long resetMillis() {
        return Math.max(0, resetMillis - (System.nanoTime() - leasedAt) / 1_000_000);
    }
}
