package dev.orders.query.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.http.admission.RequestDeadline;
import dev.orders.query.OrderView;
import dev.orders.query.repository.ReadRouter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Layered cache for single orders: in-process Caffeine (quarkus-cache, one loader per key per instance) → Redis
 * ({@link RedisOrderStore}, version compare-and-set, a short lock so one instance refills a key) → the database
 * through {@link ReadRouter}.
 *
 * <p>Revisions are the safety net: invalidations from the projector ({@link #invalidate}) raise the router's revision
 * floor of each changed order, and so does a tombstone the projector left in Redis (for an instance that started after
 * the announcement); once an instance has an order's floor, it serves nothing older from any layer and writes nothing
 * older back. An instance without it (started after the announcement, or not yet reached by it) finds the
 * projector's tombstone for longer than the replica lag it tolerates, so it does not load the older copy either.
 * Lost invalidations are bounded by the L1 (seconds) and Redis (a minute) TTLs.
 *
 * <p>A miss costs two Redis round trips: one that reads the entry or takes the refill lock, one that stores the
 * loaded order and releases the lock.
 */
@ApplicationScoped
public class OrderCache {
    /** The least time a request must have left to load again after a shared load failed on another's deadline. */
    private static final Duration RETRY_ROOM = Duration.ofMillis(50);
    private final Cache local;
    private final RedisOrderStore redis;
    private final ReadRouter router;
    private final ObjectMapper json;
    private final Counter l1Requests;
    private final Counter l1Loads;
    private final Counter redisHits;
    private final Counter redisMisses;

    public OrderCache(@CacheName("orders") Cache local, RedisOrderStore redis, ReadRouter router, ObjectMapper json,
            MeterRegistry registry) {
        this.local = local;
        this.redis = redis;
        this.router = router;
        this.json = json;
        this.l1Requests = registry.counter("orders.cache.requests", "layer", "local");
        this.l1Loads = registry.counter("orders.cache.misses", "layer", "local");
        this.redisHits = registry.counter("orders.cache.hits", "layer", "redis");
        this.redisMisses = registry.counter("orders.cache.misses", "layer", "redis");
    }

    /** The order from the first layer that has it at least at its revision floor; empty when it does not exist. */
    public Uni<Optional<CachedOrder>> get(UUID id) {
        l1Requests.increment();
        Context caller = Vertx.currentContext();
        boolean[] startedTheLoad = {false};
        return local.<UUID, Optional<CachedOrder>>getAsync(id, k -> {
            startedTheLoad[0] = true;
            return load(k);
        }).onFailure(RequestDeadline.DeadlineExceeded.class).recoverWithUni(e -> startedTheLoad[0]
                ? Uni.createFrom().failure(e)
                : loadAgain(caller, id, e))
                .chain(found -> atFloor(id, found));
    }

    /**
     * An older copy, or a "not found" once the projector has announced the order, is loaded again: a load that read
     * the replica just before the announcement can store its empty answer in L1 just after the invalidation dropped
     * the key, and that answer must not outlive the announcement by L1's TTL.
     */
    private Uni<Optional<CachedOrder>> atFloor(UUID id, Optional<CachedOrder> found) {
        long floor = router.floor(id);
        if (found.map(f -> f.revision() < floor).orElse(floor > 0)) {
            return local.invalidate(id).chain(() -> fromRedisOrLoad(id));
        }
        return Uni.createFrom().item(found);
    }

    private Uni<Optional<CachedOrder>> load(UUID id) {
        l1Loads.increment();
        return fromRedisOrLoad(id);
    }

    /**
     * The in-process load this request joined ran under the deadline of the request that started it, and that deadline
     * passed. This request's own may not have: with enough time left it loads for itself, rather than answering 503
     * (or the stale copy) for another request's lateness. Not through L1: the failed load may still be there for a
     * moment, and would fail this one again at once. Run on this request's context, whose deadline the load must use.
     */
    private Uni<Optional<CachedOrder>> loadAgain(Context caller, UUID id, Throwable sharedFailure) {
        Uni<Optional<CachedOrder>> again = Uni.createFrom().deferred(() -> RequestDeadline.remaining(RETRY_ROOM)
                .compareTo(RETRY_ROOM) >= 0 ? load(id) : Uni.createFrom().failure(sharedFailure));
        return caller == null || caller == Vertx.currentContext() ? again
                : again.runSubscriptionOn(task -> caller.runOnContext(v -> task.run()));
    }

    /** The cache's form of a view read elsewhere (a read-your-writes answer from the primary). */
    public CachedOrder entry(OrderView view) {
        try {
            return new CachedOrder(view, json.writeValueAsBytes(view), view.revision());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize order " + view.id(), e);
        }
    }

    private Uni<Optional<CachedOrder>> fromRedisOrLoad(UUID id) {
        long floor = router.floor(id);
        return redis.getOrLock(id, floor).chain(lookup -> {
            if (lookup.hit() != null) {
                redisHits.increment();
                return Uni.createFrom().item(Optional.ofNullable(lookup.hit().order()));
            }
            redisMisses.increment();
            if (lookup.tombstone() > 0) {
                // the projector announced this revision; an instance that missed the announcement learns it here
                router.raiseFloor(id, lookup.tombstone());
            }
            if (!lookup.locked()) {
                return waitForOther(id, 4);
            }
            return router.findById(id).map(found -> found.map(this::entry))
                    .call(found -> store(id, found))
                    .onFailure().call(() -> redis.unlock(id));
        });
    }

    /** Another instance holds the refill lock: look again shortly, then load ourselves rather than wait long. */
    private Uni<Optional<CachedOrder>> waitForOther(UUID id, int attempts) {
        if (attempts == 0) {
            return router.findById(id).map(found -> found.map(this::entry));
        }
        return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(25))
                .chain(() -> redis.get(id))
                .chain(cached -> {
                    if (cached.isPresent() && cached.get().tombstone()) {
                        // the projector announced a revision while the other instance refilled: our own load, if it
                        // comes to that, must not take a lagging replica's older row
                        router.raiseFloor(id, cached.get().revision());
                    }
                    return cached.isPresent() && cached.get().order() != null
                            && cached.get().revision() >= router.floor(id)
                                    ? Uni.createFrom().item(Optional.of(cached.get().order()))
                                    : waitForOther(id, attempts - 1);
                });
    }

    /** Stores what was loaded (unless older than the floor) and releases the refill lock, in one round trip. */
    private Uni<Void> store(UUID id, Optional<CachedOrder> found) {
        if (found.isEmpty()) {
            return redis.putAbsentAndUnlock(id);
        }
        return found.get().revision() >= router.floor(id) ? redis.putIfNewerAndUnlock(found.get())
                : redis.unlock(id);
    }

    /**
     * A projector invalidation (order id → new read revision): raise the floors and drop this instance's copies. The
     * projector has already replaced the older Redis copies with tombstones, once for all instances
     * (InvalidationPublisher).
     */
    public Uni<Void> invalidate(Map<UUID, Long> revisions) {
        router.raiseFloors(revisions);
        // Only the keys this instance holds (or is loading): most announced orders were never read here, so a Uni per
        // absent key was wasted (Mutiny's frames were ~15 % of an invalidation's event-loop samples in a catch-up).
        CaffeineCache l1 = local.as(CaffeineCache.class);
        List<UUID> held = revisions.keySet().stream().filter(id -> l1.getIfPresent(id) != null).toList();
        return Multi.createFrom().iterable(held)
                .onItem().transformToUniAndConcatenate(local::invalidate)
                .collect().last()
                .replaceWithVoid();
    }

    /** The long-lived copy, for when the database cannot answer in time. */
    public Uni<Optional<CachedOrder>> stale(UUID id) {
        return redis.getStale(id).map(c -> c.map(RedisOrderStore.Cached::order));
    }
}
