package dev.orders.query.ratelimit;

import java.time.Duration;
import java.util.UUID;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Distributed sliding-window-log rate limiter: one Lua script, executed atomically by Redis, trims the window, counts,
 * and admits or rejects. Redis {@code TIME} is the clock, so instances with skewed clocks still agree, and every
 * request adds a unique member, so concurrent requests in the same microsecond are all counted. Exact across any
 * number of query-service instances.
 *
 * <p>If Redis is unreachable (or too slow), {@link LocalRateLimiter} decides instead, per instance: a cache outage
 * must neither become an API outage nor remove the limit; it only loosens it to instances × limit.
 */
@ApplicationScoped
public class RateLimiter {
    /** KEYS[1]=window key; ARGV: limit, window ms, member. Returns {allowed, remaining, reset ms}. */
    static final String SLIDING_WINDOW = """
            local now_t = redis.call('TIME')
            local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
            local limit = tonumber(ARGV[1])
            local window = tonumber(ARGV[2])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
            local count = redis.call('ZCARD', KEYS[1])
            if count < limit then
              redis.call('ZADD', KEYS[1], now, ARGV[3])
              redis.call('PEXPIRE', KEYS[1], window)
              local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
              return {1, limit - count - 1, tonumber(oldest[2]) + window - now}
            end
            local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
            return {0, 0, tonumber(oldest[2]) + window - now}
            """;

    /** What the limiter decided; {@code resetMillis} is when the oldest counted request leaves the window. */
    public record Decision(boolean allowed, int limit, long remaining, long resetMillis) {
    }

    private final ReactiveRedisDataSource redis;
    private final RateLimitConfig config;
    private final Counter rejected;
    private final Counter failedOpen;

    private final LocalRateLimiter local;

    public RateLimiter(ReactiveRedisDataSource redis, RateLimitConfig config, LocalRateLimiter local,
            MeterRegistry registry) {
        this.redis = redis;
        this.config = config;
        this.local = local;
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

    @AsynchronousNonBlocking
    @Timeout(500)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "locally")
    public Uni<Decision> acquire(String principalKey, String routeClass) {
        RateLimitConfig.Rule rule = rule(routeClass);
        long windowMs = rule.window().toMillis();
        String key = "orders:v1:rl:" + routeClass + ":" + principalKey;
        return redis.execute("EVAL", SLIDING_WINDOW, "1", key, Integer.toString(rule.limit()),
                Long.toString(windowMs), UUID.randomUUID().toString())
                .map(r -> new Decision(r.get(0).toInteger() == 1, rule.limit(), r.get(1).toLong(), r.get(2).toLong()))
                .invoke(d -> {
                    if (!d.allowed()) {
                        rejected.increment();
                    }
                });
    }

    Uni<Decision> locally(String principalKey, String routeClass) {
        failedOpen.increment();
        RateLimitConfig.Rule rule = rule(routeClass);
        Decision d = local.acquire(routeClass + ":" + principalKey, rule.limit(), rule.window().toMillis());
        if (!d.allowed()) {
            rejected.increment();
        }
        return Uni.createFrom().item(d);
    }

    static Duration ceilSeconds(long millis) {
        return Duration.ofSeconds(Math.max(1, (millis + 999) / 1000));
    }
}
