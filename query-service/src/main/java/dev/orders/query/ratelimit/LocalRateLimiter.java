package dev.orders.query.ratelimit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The in-process fallback while Redis is unreachable: the same sliding-window log, per principal and route class,
 * but per instance, so during an outage the effective limit is (instances × limit) instead of exact. Hand-written
 * because it must mirror the Redis script's semantics exactly; bounded by a Caffeine cache of windows.
 */
@ApplicationScoped
public class LocalRateLimiter {
    private final Cache<String, Deque<Long>> windows = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterAccess(Duration.ofMinutes(10)).build();

    public RateLimiter.Decision acquire(String key, int limit, long windowMillis) {
        long now = System.currentTimeMillis();
        Deque<Long> log = windows.get(key, k -> new ArrayDeque<>());
        synchronized (log) {
            while (!log.isEmpty() && log.peekFirst() <= now - windowMillis) {
                log.pollFirst();
            }
            boolean allowed = log.size() < limit;
            if (allowed) {
                log.addLast(now);
            }
            long reset = log.isEmpty() ? windowMillis : log.peekFirst() + windowMillis - now;
            return new RateLimiter.Decision(allowed, limit, allowed ? limit - log.size() : 0, reset);
        }
    }
}
