package dev.orders.query.cache;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Caffeine;

import dev.orders.query.OrderView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Layered cache for single orders: in-process Caffeine (quarkus-cache, one loader per key per instance) → Redis
 * ({@link RedisOrderStore}, version compare-and-set, a short lock so one instance refills a key) → database.
 *
 * <p>Versions are the safety net: invalidations from the projector ({@link #invalidate}) record the newest version
 * of each changed order; anything older, from any layer (or from a lagging replica), is never served from cache nor
 * written back into it, and the caller goes to the read primary instead. Lost invalidations are bounded by the L1
 * (seconds) and Redis (a minute) TTLs.
 */
@ApplicationScoped
public class OrderCache {
    private static final long NONE = 0;

    private final Cache local;
    private final RedisOrderStore redis;
    /** Newest version announced per order (from invalidations), kept long enough to outlive any replica lag. */
    private final com.github.benmanes.caffeine.cache.Cache<UUID, Long> announced = Caffeine.newBuilder()
            .maximumSize(200_000).expireAfterWrite(Duration.ofMinutes(10)).build();
    private final Counter l1Requests;
    private final Counter l1Loads;
    private final Counter redisHits;
    private final Counter redisMisses;

    public OrderCache(@CacheName("orders") Cache local, RedisOrderStore redis, MeterRegistry registry) {
        this.local = local;
        this.redis = redis;
        this.l1Requests = registry.counter("orders.cache.requests", "layer", "local");
        this.l1Loads = registry.counter("orders.cache.misses", "layer", "local");
        this.redisHits = registry.counter("orders.cache.hits", "layer", "redis");
        this.redisMisses = registry.counter("orders.cache.misses", "layer", "redis");
    }

    /** The newest version the projector announced for this order, or 0. */
    public long floor(UUID id) {
        Long v = announced.getIfPresent(id);
        return v == null ? NONE : v;
    }

    /**
     * The order from the first layer that has a version at least {@code floor(id)}; {@code loader} reads the database
     * on a miss (and its result is stored only if it is not older than the floor).
     */
    public Uni<Optional<OrderView>> get(UUID id, Function<UUID, Uni<Optional<OrderView>>> loader) {
        l1Requests.increment();
        return local.<UUID, Optional<OrderView>>getAsync(id, k -> {
            l1Loads.increment();
            return fromRedisOrLoad(k, loader);
        }).chain(found -> {
            if (found.isPresent() && found.get().version() < floor(id)) {
                return local.invalidate(id).chain(() -> fromRedisOrLoad(id, loader));
            }
            return Uni.createFrom().item(found);
        });
    }

    private Uni<Optional<OrderView>> fromRedisOrLoad(UUID id, Function<UUID, Uni<Optional<OrderView>>> loader) {
        long floor = floor(id);
        return redis.get(id).chain(cached -> {
            if (cached.isPresent() && (cached.get().absent() ? floor == NONE : cached.get().version() >= floor)) {
                redisHits.increment();
                return Uni.createFrom().item(Optional.ofNullable(cached.get().view()));
            }
            redisMisses.increment();
            return redis.tryLock(id).chain(locked -> locked
                    ? loader.apply(id).call(found -> store(id, found)).eventually(() -> redis.unlock(id))
                    : waitForOther(id, loader, 4));
        });
    }

    /** Another instance holds the refill lock: look again shortly, then load ourselves rather than wait long. */
    private Uni<Optional<OrderView>> waitForOther(UUID id, Function<UUID, Uni<Optional<OrderView>>> loader,
            int attempts) {
        if (attempts == 0) {
            return loader.apply(id);
        }
        return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(25))
                .chain(() -> redis.get(id))
                .chain(cached -> cached.isPresent() && !cached.get().absent() && cached.get().version() >= floor(id)
                        ? Uni.createFrom().item(Optional.of(cached.get().view()))
                        : waitForOther(id, loader, attempts - 1));
    }

    private Uni<Void> store(UUID id, Optional<OrderView> found) {
        if (found.isEmpty()) {
            return redis.putAbsent(id);
        }
        return found.get().version() >= floor(id) ? redis.putIfNewer(found.get()) : Uni.createFrom().voidItem();
    }

    /** A projector invalidation: remember the new versions, drop older copies from both layers. */
    public Uni<Void> invalidate(Map<UUID, Long> versions) {
        versions.forEach((id, v) -> announced.asMap().merge(id, v, Math::max));
        return io.smallrye.mutiny.Multi.createFrom().iterable(versions.entrySet())
                .onItem().transformToUniAndMerge(e -> local.invalidate(e.getKey())
                        .chain(() -> redis.deleteIfOlder(e.getKey(), e.getValue())))
                .collect().last().replaceWithVoid();
    }

    /** The long-lived copy, for when the database cannot answer in time. */
    public Uni<Optional<OrderView>> stale(UUID id) {
        return redis.getStale(id).map(c -> c.map(RedisOrderStore.Cached::view));
    }
}
