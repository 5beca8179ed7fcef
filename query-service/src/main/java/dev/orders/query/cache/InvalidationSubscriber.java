package dev.orders.query.cache;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Listens to the projector's invalidations (Redis pub/sub {@code orders:v1:invalidations}, JSON
 * {@code {"orders":{"<id>":<revision>}}}) and applies them to this instance: its revision floors and its in-process
 * copies. The projector has dropped the older Redis entries before announcing them. Resubscribes with back-off while
 * Redis is unavailable; TTLs bound what is missed meanwhile.
 */
@ApplicationScoped
public class InvalidationSubscriber {
    static final String CHANNEL = "orders:v1:invalidations";
    private static final Logger LOG = Logger.getLogger(InvalidationSubscriber.class);
    private static final TypeReference<Map<String, Map<UUID, Long>>> MESSAGE = new TypeReference<>() {
    };

    private final ReactiveRedisDataSource redis;
    private final OrderCache cache;
    private final ObjectMapper json;
    private final Counter received;

    public InvalidationSubscriber(ReactiveRedisDataSource redis, OrderCache cache, ObjectMapper json,
            MeterRegistry registry) {
        this.redis = redis;
        this.cache = cache;
        this.json = json;
        this.received = registry.counter("orders.cache.invalidations");
    }

    void start(@Observes StartupEvent event) {
        redis.pubsub(String.class).subscribe(CHANNEL)
                // A dropped connection (Redis restarted) may end the stream quietly: treat that as a failure too.
                .onCompletion().failWith(() -> new IllegalStateException("subscription ended"))
                .onFailure().invoke(e -> LOG.warnf("invalidation subscription lost (%s); resubscribing", e.toString()))
                .onFailure().retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(5)).indefinitely()
                .onItem().transformToUniAndConcatenate(message -> {
                    received.increment();
                    try {
                        Map<UUID, Long> orders = json.readValue(message, MESSAGE).getOrDefault("orders", Map.of());
                        return cache.invalidate(orders)
                                .onFailure().invoke(e -> LOG.warnf("invalidation not fully applied: %s", e))
                                .onFailure().recoverWithNull();
                    } catch (Exception e) {
                        LOG.warnf("ignoring unreadable invalidation: %s", e.toString());
                        return io.smallrye.mutiny.Uni.createFrom().voidItem();
                    }
                })
                .subscribe().with(ok -> {
                }, e -> LOG.error("invalidation subscriber stopped", e));
    }
}
