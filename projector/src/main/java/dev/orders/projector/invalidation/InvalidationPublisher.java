package dev.orders.projector.invalidation;

import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.projector.store.OrderViewStore.Changes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * After a batch committed, tells every query-service instance which orders changed and their new read-model
 * revisions (Redis pub/sub, channel {@code orders:v1:invalidations}, JSON {@code {"orders":{"<id>":<revision>}}}).
 * The revision changes on every write of a read row, an order event or a customer rename alike (the version only on
 * the former). Subscribers evict or refresh both cache layers, and never let a cached copy older than the announced
 * revision be served.
 *
 * <p>Why a stale row cannot be cached after an invalidation although the replica may lag the primary: the message
 * carries the committed revision; a reader that loads an older revision from a lagging replica may serve it once but
 * must not cache it over the announced one (the cache's compare-and-set keeps the highest revision), and the
 * cache TTL bounds anything a lost message (pub/sub is fire-and-forget) leaves behind. A failure here is logged and
 * counted, never retried into the consumer: the data is already committed.
 */
@ApplicationScoped
public class InvalidationPublisher {
    public static final String CHANNEL = "orders:v1:invalidations";
    private static final Logger LOG = Logger.getLogger(InvalidationPublisher.class);

    private final ReactivePubSubCommands<String> pubsub;
    private final ObjectMapper json;
    private final boolean enabled;
    private final Counter failures;

    public InvalidationPublisher(ReactiveRedisDataSource redis, ObjectMapper json, MeterRegistry registry,
            @ConfigProperty(name = "orders.invalidations.enabled", defaultValue = "true") boolean enabled) {
        this.pubsub = redis.pubsub(String.class);
        this.json = json;
        this.enabled = enabled;
        this.failures = registry.counter("projector.invalidations.failed");
    }

    public record Message(Map<UUID, Long> orders) {
    }

    public Uni<Void> publish(Changes changes) {
        if (!enabled || changes.orders().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String message;
        try {
            message = json.writeValueAsString(new Message(changes.orders()));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return pubsub.publish(CHANNEL, message)
                .ifNoItem().after(java.time.Duration.ofMillis(500)).fail()
                .onFailure().invoke(e -> {
                    failures.increment();
                    LOG.warnf("could not publish cache invalidations (TTL will bound staleness): %s", e.toString());
                })
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
