package dev.orders.query.ratelimit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Distributed sliding-window rate limiter that leases permits: one Lua script ({@link RedisLeases}), run atomically by Redis, trims the
 * window and grants this instance a small batch of permits for a principal and route class; the instance spends
 * them locally, so a busy principal costs one Redis round trip per batch instead of one per request. A quiet
 * principal (or one close to its limit) gets batches of one, which is the exact per-request check.
 *
 * <p>The limit holds exactly across any number of instances: a batch is recorded in the window as if its permits
 * were spent at the end of their lease ({@code orders.rate-limit.lease-ttl}), and a permit is never spent after that,
 * so no window ever admits more than the limit. The tolerance is on the other side only: permits an instance leased
 * but did not spend count until its next call for that principal hands them back (or, if none comes, until they
 * leave the window), and each permit stays in the window up to one lease TTL longer than the request it admitted.
 * Batches grow (1, 2, 4 … up to {@code max-lease} and 1/20 of the limit) while a principal spends them within the
 * lease, and start again at one otherwise.
 *
 * <p>Redis {@code TIME} is the clock, so instances with skewed clocks still agree. If Redis is unreachable (or too
 * slow), {@link LocalRateLimiter} decides instead, per instance: a cache outage must neither become an API outage nor
 * remove the limit; it only loosens it to instances × limit.
 */
@ApplicationScoped
public class RateLimiter {
    /** What the limiter decided; {@code resetMillis} is when the oldest counted request leaves the window. */
    public record Decision(boolean allowed, int limit, long remaining, long resetMillis) {
    }

    /** What Redis granted this instance for one principal and route class. */
    record Grant(int permits, long remaining, long resetMillis) {
    }

    private final RedisLeases redisLeases;
    private final RateLimitConfig config;
    private final LocalRateLimiter local;
    private final long leaseNanos;
    private final int maxLease;
    /** This instance's batch per principal and route class. */
    private final Cache<String, Lease> leases;
    private final Counter rejected;
    private final Counter failedOpen;

    public RateLimiter(RedisLeases redisLeases, RateLimitConfig config, LocalRateLimiter local,
            MeterRegistry registry) {
        this.redisLeases = redisLeases;
        this.config = config;
        this.local = local;
        this.leaseNanos = config.leaseTtl().toNanos();
        this.maxLease = config.maxLease();
        this.leases = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(10)).build();
        this.rejected = registry.counter("ratelimit.rejected");
        this.failedOpen = registry.counter("ratelimit.local_fallback");
    }

    public RateLimitConfig.Rule rule(String routeClass) {
        RateLimitConfig.Rule rule = config.classes().get(routeClass);
        if (rule == null) {
            throw new IllegalArgumentException("no rate-limit rule for route class " + routeClass);
        }
        return rule;
    }

    /** Spends a leased permit if this instance holds one, else asks Redis for the next batch. */
    public Uni<Decision> acquire(String principalKey, String routeClass) {
        RateLimitConfig.Rule rule = rule(routeClass);
        String key = "orders:v1:rl:{" + routeClass + ":" + principalKey + "}";
        Lease lease = leases.get(key, k -> new Lease());
        Decision spent = lease.trySpend(rule.limit());
        if (spent != null) {
            return Uni.createFrom().item(spent);
        }
        return lease.refill(() -> {
            Lease.Ask ask = lease.nextAsk(Math.min(maxLease, Math.max(1, rule.limit() / 20)));
            return lease(key, rule.limit(), rule.window().toMillis(), ask, principalKey, routeClass)
                    .invoke(grant -> lease.granted(ask, grant, leaseNanos));
        }).chain(grant -> {
            Decision d = lease.trySpend(rule.limit());
            if (d != null) {
                return Uni.createFrom().item(d);
            }
            if (grant.permits() == 0) {
                rejected.increment();
                return Uni.createFrom().item(new Decision(false, rule.limit(), 0, lease.resetMillis()));
            }
            return acquire(principalKey, routeClass); // others waiting on the same refill spent it: ask again
        });
    }

    private Uni<Grant> lease(String key, int limit, long windowMs, Lease.Ask ask, String principalKey,
            String routeClass) {
        return redisLeases.lease(key, limit, windowMs, leaseNanos / 1_000_000, ask)
                .onFailure().recoverWithItem(() -> locally(limit, windowMs, principalKey, routeClass));
    }

    /** Redis is out: this instance decides alone, one request at a time (granted as a batch of one or none). */
    private Grant locally(int limit, long windowMs, String principalKey, String routeClass) {
        failedOpen.increment();
        Decision d = local.acquire(routeClass + ":" + principalKey, limit, windowMs);
        return new Grant(d.allowed() ? 1 : 0, d.remaining(), d.resetMillis());
    }

    static Duration ceilSeconds(long millis) {
        return Duration.ofSeconds(Math.max(1, (millis + 999) / 1000));
    }
}
