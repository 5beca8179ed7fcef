package dev.orders.query.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.query.OrderView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Redis cache-aside for single orders, shared by all query-service instances. Redis is an optimisation: every call
 * is bounded by a short timeout and a breaker, and any failure reads as a miss (get) or is dropped (put), so a Redis
 * outage sends reads to the database instead of failing them.
 */
@ApplicationScoped
public class OrderCache {
    private static final Logger LOG = Logger.getLogger(OrderCache.class);
    static final String PREFIX = "orders:v1:order:";

    private final ReactiveValueCommands<String, String> values;
    private final ObjectMapper json;
    private final Duration ttl;

    public OrderCache(ReactiveRedisDataSource redis, ObjectMapper json,
            @ConfigProperty(name = "orders.cache.order-ttl", defaultValue = "PT60S") Duration ttl) {
        this.values = redis.value(String.class, String.class);
        this.json = json;
        this.ttl = ttl;
    }

    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "miss")
    public Uni<Optional<OrderView>> get(UUID id) {
        return values.get(PREFIX + id).map(s -> Optional.ofNullable(s).map(this::decode));
    }

    Uni<Optional<OrderView>> miss(UUID id) {
        return Uni.createFrom().item(Optional.empty());
    }

    /** Stores the view with a jittered TTL, so keys written together do not all expire together. */
    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "skipPut")
    public Uni<Void> put(OrderView view) {
        long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, ttl.toMillis() / 10));
        return values.set(PREFIX + view.id(), encode(view), new SetArgs().px(ttl.toMillis() + jitter));
    }

    Uni<Void> skipPut(OrderView view) {
        return Uni.createFrom().voidItem();
    }

    private OrderView decode(String s) {
        try {
            return json.readValue(s, OrderView.class);
        } catch (JsonProcessingException e) {
            LOG.warn("ignoring undecodable cache entry", e);
            return null;
        }
    }

    private String encode(OrderView v) {
        try {
            return json.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
