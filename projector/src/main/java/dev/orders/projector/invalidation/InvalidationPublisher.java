package dev.orders.projector.invalidation;

import java.util.ArrayList;
import java.util.List;
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
 * After a batch committed, drops the older copies of the changed orders from the shared cache and tells every
 * query-service instance which orders changed and their new read-model revisions (Redis pub/sub, channel
 * {@code orders:v1:invalidations}, JSON {@code {"orders":{"<id>":<revision>}}}): one Lua script, one round trip. The
 * revision changes on every write of a read row, an order event or a customer rename alike (the version only on the
 * former). Subscribers evict their in-process copies and never let a cached copy older than the announced revision be
 * served.
 *
 * <p>Why here and not in each subscriber: each query-service instance dropped the shared entries itself, so Redis ran
 * the same deletions once per instance and each instance paid a round trip per batch; and while no instance was
 * subscribed (all of them restarting), nothing dropped them and a restarted instance, its revision floors empty, served
 * the older copy until its TTL. The entries' format ({@code orders:v1:<tenant>:order:<id>}, value
 * {@code <revision>|<json>} or {@code -} for "not found") is query-service's {@code RedisOrderStore}'s.
 *
 * <p>A reader that loads an older revision from a lagging replica may serve it once, but an instance that has the
 * announcement never stores it (its floor) nor serves it from Redis. What remains: a refill that passed its floor
 * check before its instance had the announcement, and whose store lands after the drop, leaves the older copy in
 * Redis; the running instances' floors never serve it, but an instance started within its TTL (60 s) may. (When each
 * instance dropped the entries after raising its own floor, that store was dropped too.) The TTLs bound anything a
 * lost message (pub/sub is fire-and-forget) leaves behind.
 *
 * <p>A failure here is logged and counted, never retried into the consumer: the data is already committed. When the
 * script itself is refused (a Redis user without this version's rights: {@code +eval +get +del} on the entries, see
 * k8s/README.md), the changes are still announced with a plain {@code PUBLISH}.
 */
@ApplicationScoped
public class InvalidationPublisher {
    public static final String CHANNEL = "orders:v1:invalidations";
    /**
     * KEYS: the changed orders' cache entries. ARGV: the channel, the message, then each key's revision in KEYS order.
     * Drops an entry older than its revision (a "not found" always), then publishes; answers the subscribers reached.
     */
    static final String DROP_OLDER_AND_PUBLISH = """
            for i, key in ipairs(KEYS) do
              local cur = redis.call('GET', key)
              if cur then
                local v = (cur == '-') and -1 or (tonumber(string.match(cur, '^(%d+)|')) or -1)
                if v < tonumber(ARGV[i + 2]) then redis.call('DEL', key) end
              end
            end
            return redis.call('PUBLISH', ARGV[1], ARGV[2])
            """;
    private static final Logger LOG = Logger.getLogger(InvalidationPublisher.class);

    private final ReactiveRedisDataSource redis;
    /** The fallback when Redis refuses the script: announcing without dropping. */
    private final ReactivePubSubCommands<String> pubsub;
    private final String keyPrefix;
    private final ObjectMapper json;
    private final boolean enabled;
    private final Counter failures;

    public InvalidationPublisher(ReactiveRedisDataSource redis, ObjectMapper json, MeterRegistry registry,
            @ConfigProperty(name = "orders.invalidations.enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "orders.tenant", defaultValue = "default") String tenant) {
        this.redis = redis;
        this.pubsub = redis.pubsub(String.class);
        this.keyPrefix = "orders:v1:" + tenant + ":order:";
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
        Map<UUID, Long> orders = changes.orders();
        List<String> args = new ArrayList<>(4 + 2 * orders.size());
        args.add(DROP_OLDER_AND_PUBLISH);
        args.add(Integer.toString(orders.size()));
        List<String> revisions = new ArrayList<>(orders.size());
        orders.forEach((id, revision) -> {
            args.add(keyPrefix + id);
            revisions.add(Long.toString(revision));
        });
        args.add(CHANNEL);
        args.add(message);
        args.addAll(revisions);
        return redis.execute("EVAL", args.toArray(String[]::new)).replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("could not drop the older cache entries (%s); announcing the changes only", e.toString());
                    return pubsub.publish(CHANNEL, message).replaceWithVoid();
                })
                .ifNoItem().after(java.time.Duration.ofMillis(500)).fail()
                .onFailure().invoke(e -> {
                    failures.increment();
                    LOG.warnf("could not publish cache invalidations (TTL will bound staleness): %s", e.toString());
                })
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
