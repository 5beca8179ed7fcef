package dev.orders.query.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.orders.query.ReadSchema;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;

/**
 * Two limiters sharing one Redis stand for two query-service instances: together they admit exactly the limit, however
 * their leases interleave, and a principal they never saw starts with its whole budget.
 */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
class RateLimitLeaseTest {
    @Inject
    RedisLeases redis;
    @Inject
    LocalRateLimiter local;
    @Inject
    MeterRegistry registry;

    @Test
    void twoInstancesTogetherAdmitExactlyTheLimitUnderConcurrentLoad() {
        RateLimitConfig config = config(100);
        RateLimiter a = new RateLimiter(redis, config, local, registry);
        RateLimiter b = new RateLimiter(redis, config, local, registry);
        String principal = "sub:" + UUID.randomUUID();

        List<Uni<RateLimiter.Decision>> calls = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            calls.add((i % 3 == 0 ? a : b).acquire(principal, "read"));
        }
        List<RateLimiter.Decision> decisions = Uni.join().all(calls).andFailFast().await().atMost(Duration.ofSeconds(20));
        assertEquals(100, decisions.stream().filter(RateLimiter.Decision::allowed).count(), "exactly the limit");
        // and once spent, both refuse
        assertEquals(false, a.acquire(principal, "read").await().atMost(Duration.ofSeconds(5)).allowed());
        assertEquals(false, b.acquire(principal, "read").await().atMost(Duration.ofSeconds(5)).allowed());
        assertEquals(true, a.acquire("sub:" + UUID.randomUUID(), "read").await().atMost(Duration.ofSeconds(5)).allowed());
    }

    private static RateLimitConfig config(int limit) {
        RateLimitConfig.Rule rule = new RateLimitConfig.Rule() {
            @Override
            public int limit() {
                return limit;
            }

            @Override
            public Duration window() {
                return Duration.ofSeconds(60);
            }
        };
        return new RateLimitConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public Map<String, Rule> classes() {
                return Map.of("read", rule);
            }

            @Override
            public Duration leaseTtl() {
                return Duration.ofSeconds(1);
            }

            @Override
            public int maxLease() {
                return 256;
            }
        };
    }
}
