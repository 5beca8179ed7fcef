package dev.orders.projector.invalidation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * After a batch committed, leaves a tombstone in the shared cache for each changed order it holds no newer copy of
 * (over an older copy, a "not found", or nothing), and tells every query-service instance which orders changed and
 * their new read-model revisions (Redis pub/sub, channel {@code orders:v1:invalidations}, JSON {@code
 * {"orders":{"<id>":<revision>}}}): one Lua script, one round trip, per {@code orders.invalidations.chunk-size} orders.
 * The revision changes on every write of a read row, an order event or a customer rename alike (the version only on the
 * former). Subscribers evict their in-process copies and never let a cached copy older than the announced revision be
 * served.
 *
 * <p>Why here and not in each subscriber: each query-service instance dropped the shared entries itself, so Redis ran
 * the same deletions once per instance and each instance paid a round trip per batch; and while no instance was
 * subscribed (all of them restarting), nothing dropped them and a restarted instance, its revision floors empty, served
 * the older copy until its TTL. The entries' format ({@code orders:v1:<tenant>:order:<id>}, value {@code
 * <revision>|<json>}, {@code -} for "not found", {@code <revision>|} for a tombstone) is query-service's {@code
 * RedisOrderStore}'s.
 *
 * <p>Why a tombstone ({@code <revision>|}, no body) rather than a delete: a refill that read a replica still behind the
 * batch, and whose store lands after this script, would put the older copy back, and an instance started within its TTL
 * (its floors empty) would serve it. The store's compare-and-set refuses anything older than a tombstone, and a reader
 * that finds one takes its revision as the order's floor (reading the replica's row only if it has that revision, the
 * primary's otherwise). So every changed order gets one unless its key already holds that revision or a newer one, for
 * {@code orders.invalidations.tombstone-ttl}: longer than the oldest replica query-service may read ({@code
 * orders.replica.max-lag} plus how stale its measurement can be) plus a request, so a refill that starts after this
 * script, even before its instance has the announcement, finds the tombstone rather than nothing. Session 42 tombstoned
 * only cached orders and refills in progress (their lock held), which left exactly this refill open. The price: about
 * 2-3 µs of Redis per changed order and ~160 bytes per tombstone for its 20 s, about 1 % of the machine during a
 * catch-up (BENCHMARKS.md, session 43). A batch committed but never announced (its projector stopped in between) is
 * announced when it is delivered again ({@link Changes#toAnnounce()}). What remains is what a lost message (pub/sub is
 * fire-and-forget) or a failed script leaves behind, bounded by the entries' TTL.
 *
 * <p>A failure here is logged and counted, never retried into the consumer: the data is already committed. When the
 * script itself is refused (a Redis user without this version's rights, see k8s/README.md), the changes are still
 * announced with a plain {@code PUBLISH}.
 */
@ApplicationScoped
public class InvalidationPublisher {
    public static final String CHANNEL = "orders:v1:invalidations";
    /**
     * KEYS: each changed order's cache entry. ARGV: the channel, the message, the tombstone TTL (ms), then each order's
     * revision in KEYS order. Leaves a tombstone wherever the key holds nothing, a "not found", or an older revision,
     * then publishes; answers the subscribers reached.
     */
    static final String TOMBSTONE_AND_PUBLISH = """
            for i = 1, #KEYS do
              local cur = redis.call('GET', KEYS[i])
              local v = cur and tonumber(string.match(cur, '^(%d+)|')) or -1
              if v < tonumber(ARGV[i + 3]) then
                redis.call('SET', KEYS[i], ARGV[i + 3] .. '|', 'PX', ARGV[3])
              end
            end
            return redis.call('PUBLISH', ARGV[1], ARGV[2])
            """;
    private static final Logger LOG = Logger.getLogger(InvalidationPublisher.class);

    private final ReactiveRedisDataSource redis;
    /** The fallback when Redis refuses the script: announcing without dropping. */
    private final ReactivePubSubCommands<String> pubsub;
    private final String keyPrefix;
    private final String tombstoneTtlMillis;
    private final int chunkSize;
    private final ObjectMapper json;
    private final boolean enabled;
    private final Counter failures;

    public InvalidationPublisher(ReactiveRedisDataSource redis, ObjectMapper json, MeterRegistry registry,
            @ConfigProperty(name = "orders.invalidations.enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "orders.tenant", defaultValue = "default") String tenant,
            @ConfigProperty(name = "orders.invalidations.tombstone-ttl", defaultValue = "PT20S")
            java.time.Duration tombstoneTtl,
            @ConfigProperty(name = "orders.invalidations.chunk-size", defaultValue = "500") int chunkSize) {
        this.redis = redis;
        this.pubsub = redis.pubsub(String.class);
        this.keyPrefix = "orders:v1:" + tenant + ":order:";
        this.tombstoneTtlMillis = Long.toString(tombstoneTtl.toMillis());
        this.chunkSize = Math.max(1, chunkSize);
        this.json = json;
        this.enabled = enabled;
        this.failures = registry.counter("projector.invalidations.failed");
    }

    public record Message(Map<UUID, Long> orders) {
    }

    public Uni<Void> publish(Changes changes) {
        Map<UUID, Long> orders = changes.toAnnounce();
        if (!enabled || orders.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (orders.size() <= chunkSize) {
            return publishChunk(orders).replaceWithVoid();
        }
        // A customer rename changes every order of that customer (21,332 for the largest seeded one): one script over
        // them all held Redis for about 80 ms, every other client waiting (BENCHMARKS.md, session 42). Chunk by chunk,
        // each order's tombstone still comes before its announcement.
        List<Map<UUID, Long>> chunks = new ArrayList<>(orders.size() / chunkSize + 1);
        Map<UUID, Long> chunk = new LinkedHashMap<>();
        for (Map.Entry<UUID, Long> e : orders.entrySet()) {
            chunk.put(e.getKey(), e.getValue());
            if (chunk.size() == chunkSize) {
                chunks.add(chunk);
                chunk = new LinkedHashMap<>();
            }
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return publishFrom(chunks, 0);
    }

    /**
     * The chunks from {@code i} on, one after another; after a chunk that failed, not the rest: a Redis that does not
     * answer would otherwise hold the consumer 500 ms per chunk (21 s for that rename). They count as failed too.
     */
    private Uni<Void> publishFrom(List<Map<UUID, Long>> chunks, int i) {
        return publishChunk(chunks.get(i)).chain(published -> {
            if (!published) {
                failures.increment(chunks.size() - i - 1);
                return Uni.createFrom().voidItem();
            }
            return i + 1 < chunks.size() ? publishFrom(chunks, i + 1) : Uni.createFrom().voidItem();
        });
    }

    /**
     * One script (tombstones, then the announcement) for these orders; whether they were announced. A failure is
     * logged and counted, never raised: the batch is already committed.
     */
    private Uni<Boolean> publishChunk(Map<UUID, Long> orders) {
        String message;
        try {
            message = json.writeValueAsString(new Message(orders));
        } catch (JsonProcessingException e) {
            failures.increment();
            LOG.warnf("could not write a cache invalidation (TTL will bound staleness): %s", e.toString());
            return Uni.createFrom().item(false);
        }
        List<String> args = new ArrayList<>(5 + 2 * orders.size());
        args.add(TOMBSTONE_AND_PUBLISH);
        args.add(Integer.toString(orders.size()));
        List<String> revisions = new ArrayList<>(orders.size());
        orders.forEach((id, revision) -> {
            args.add(keyPrefix + id);
            revisions.add(Long.toString(revision));
        });
        args.add(CHANNEL);
        args.add(message);
        args.add(tombstoneTtlMillis);
        args.addAll(revisions);
        return redis.execute("EVAL", args.toArray(String[]::new)).replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    LOG.warnf("could not replace the older cache entries (%s); announcing the changes only",
                            e.toString());
                    return pubsub.publish(CHANNEL, message).replaceWithVoid();
                })
                .ifNoItem().after(java.time.Duration.ofMillis(500)).fail()
                .replaceWith(true)
                .onFailure().recoverWithItem(e -> {
                    failures.increment();
                    LOG.warnf("could not publish cache invalidations (TTL will bound staleness): %s", e.toString());
                    return false;
                });
    }
}
