package dev.orders.query.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.query.OrderView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The shared (L2) layer in Redis. Values are {@code <revision>|<json>}, {@code -} for a cached "not found", or a
 * tombstone {@code <revision>|} (no body) that the projector leaves for every order it changed, unless the key holds
 * that revision or a newer one, when it announces that revision (InvalidationPublisher; it lives 20 s). Writes are
 * compare-and-set in one Lua script, so an older revision never overwrites a newer one or a newer tombstone, whichever
 * instance writes last: a refill that read a replica behind the announcement cannot put its older copy back over the
 * projector's tombstone. A tombstone reads as a miss that also tells the reader the order's floor, which an instance
 * started after the announcement, or not yet reached by it, lacks. A longer-lived copy ({@code stale:} key) is what
 * readers fall back to while the database is slow. A miss is two round trips: {@link #getOrLock} (read, or take the
 * refill lock) and a store that releases the lock.
 *
 * <p>Redis is an optimisation: every call runs under this class's fault-tolerance policy
 * ({@code quarkus.fault-tolerance."dev.orders.query.cache.RedisOrderStore".*}) and any failure reads as a miss or is
 * dropped, so a Redis outage sends reads to the database instead of failing them.
 */
@ApplicationScoped
@AsynchronousNonBlocking
@Timeout
@CircuitBreaker
public class RedisOrderStore {
    /**
     * KEYS: entry, lock. ARGV: revision floor, lock ms. Returns {entry} when it is usable, else {'', locked 1|0,
     * tombstone's revision or 0}.
     */
    static final String GET_OR_LOCK = """
            local v = redis.call('GET', KEYS[1])
            local tomb = 0
            if v then
              local floor = tonumber(ARGV[1])
              if v == '-' then
                if floor == 0 then return {v} end
              else
                local rev, first = string.match(v, '^(%d+)|(.?)')
                rev = tonumber(rev) or -1
                if first == '' then tomb = rev
                elseif rev >= floor then return {v} end
              end
            end
            if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return {'', 1, tomb} end
            return {'', 0, tomb}
            """;
    /** KEYS: entry, stale copy, lock. ARGV: version, json, ttl ms, stale ttl ms. */
    static final String SET_IF_NEWER_AND_UNLOCK = """
            local function ver(v)
              if not v or v == '-' then return -1 end
              return tonumber(string.match(v, '^(%d+)|')) or -1
            end
            redis.call('DEL', KEYS[3])
            if ver(redis.call('GET', KEYS[1])) > tonumber(ARGV[1]) then return 0 end
            redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
            if ver(redis.call('GET', KEYS[2])) <= tonumber(ARGV[1]) then
              redis.call('SET', KEYS[2], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[4])
            end
            return 1
            """;
    /** KEYS: entry, lock. ARGV: negative ttl ms. (NX: never over an order, nor over a tombstone.) */
    static final String PUT_ABSENT_AND_UNLOCK = """
            redis.call('DEL', KEYS[2])
            redis.call('SET', KEYS[1], '-', 'NX', 'PX', ARGV[1])
            return 1
            """;
    private static final String LOCK_MILLIS = "2000";

    /**
     * An entry: the read revision it was stored at and the order; or -1 and no order for "not found"; or, for the
     * projector's tombstone, the revision it announced and no order.
     */
    public record Cached(long revision, CachedOrder order) {
        /** The projector's tombstone: nothing to serve, but the order's floor. */
        public boolean tombstone() {
            return order == null && revision >= 0;
        }
    }

    /**
     * What {@link #getOrLock} found: a usable entry, or no entry and whether this caller now holds the lock; and the
     * revision of a tombstone it found instead of an entry (0 when none).
     */
    public record Lookup(Cached hit, boolean locked, long tombstone) {
    }

    private final ReactiveRedisDataSource redis;
    private final ReactiveValueCommands<String, String> values;
    private final ObjectMapper json;
    private final String prefix;
    private final Duration ttl;
    private final Duration negativeTtl;
    private final Duration staleTtl;

    /** {@code orders.cache.*}: how long the Redis copies of an order live. */
    @ConfigMapping(prefix = "orders.cache")
    public interface CacheConfig {
        /** A cached order (version-checked on write, so a longer TTL never serves an older version over a newer). */
        @WithDefault("PT60S")
        Duration orderTtl();

        /** A "no such order" answer. */
        @WithDefault("PT2S")
        Duration negativeTtl();

        /** The stale copy served when both databases fail. */
        @WithDefault("PT24H")
        Duration staleTtl();
    }

    public RedisOrderStore(ReactiveRedisDataSource redis, ObjectMapper json,
            @ConfigProperty(name = "orders.tenant", defaultValue = "default") String tenant, CacheConfig cache) {
        this.redis = redis;
        this.values = redis.value(String.class, String.class);
        this.json = json;
        this.prefix = "orders:v1:" + tenant + ":";
        this.ttl = cache.orderTtl();
        this.negativeTtl = cache.negativeTtl();
        this.staleTtl = cache.staleTtl();
    }

    private String key(UUID id) {
        return prefix + "order:" + id;
    }

    private String staleKey(UUID id) {
        return prefix + "stale:order:" + id;
    }

    private String lockKey(UUID id) {
        return prefix + "lock:order:" + id;
    }

    /**
     * The entry if it is at least at {@code floor} (a negative entry only when there is no floor); otherwise tries
     * the short refill lock, so that across instances one loader refills a missing key while the others wait.
     */
    @Fallback(fallbackMethod = "missAndLoad")
    public Uni<Lookup> getOrLock(UUID id, long floor) {
        return redis.execute("EVAL", GET_OR_LOCK, "2", key(id), lockKey(id), Long.toString(floor), LOCK_MILLIS)
                .map(r -> {
                    if (r.size() != 1) {
                        return new Lookup(null, r.get(1).toInteger() == 1, r.get(2).toLong());
                    }
                    // An entry this instance cannot read (another release's format, a corrupt value) is a miss that
                    // it refills itself, as without Redis: read as "someone else's refill", every reader would wait
                    // for a refill nobody makes, and the entry would stay until its TTL. The store replaces it. No
                    // lock was taken: its release may clear another instance's, which costs a load, never a copy.
                    Optional<Cached> entry = decode(r.get(0).toString());
                    return entry.isPresent() ? new Lookup(entry.get(), false, 0) : new Lookup(null, true, 0);
                });
    }

    @Fallback(fallbackMethod = "miss")
    public Uni<Optional<Cached>> get(UUID id) {
        return values.get(key(id)).map(this::decode);
    }

    /** The long-lived copy, for serving stale while the database is unavailable. */
    @Fallback(fallbackMethod = "miss")
    public Uni<Optional<Cached>> getStale(UUID id) {
        return values.get(staleKey(id)).map(this::decode);
    }

    /** Stores the order unless Redis already holds a newer version (TTL with jitter), and releases the lock. */
    @Fallback(fallbackMethod = "skip")
    public Uni<Void> putIfNewerAndUnlock(CachedOrder order) {
        UUID id = order.view().id();
        long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, ttl.toMillis() / 10));
        return redis.execute("EVAL", SET_IF_NEWER_AND_UNLOCK, "3", key(id), staleKey(id), lockKey(id),
                Long.toString(order.revision()), new String(order.json(), StandardCharsets.UTF_8),
                Long.toString(ttl.toMillis() + jitter), Long.toString(staleTtl.toMillis())).replaceWithVoid();
    }

    /** Remembers briefly that an order does not exist (yet), and releases the lock. */
    @Fallback(fallbackMethod = "skip")
    public Uni<Void> putAbsentAndUnlock(UUID id) {
        return redis.execute("EVAL", PUT_ABSENT_AND_UNLOCK, "2", key(id), lockKey(id),
                Long.toString(negativeTtl.toMillis())).replaceWithVoid();
    }

    @Fallback(fallbackMethod = "skip")
    public Uni<Void> unlock(UUID id) {
        return redis.execute("DEL", lockKey(id)).replaceWithVoid();
    }

    private Uni<Optional<Cached>> miss(UUID id) {
        return Uni.createFrom().item(Optional.empty());
    }

    /** Without Redis every instance loads for itself: the database is protected by its bulkhead instead. */
    private Uni<Lookup> missAndLoad(UUID id, long floor) {
        return Uni.createFrom().item(new Lookup(null, true, 0));
    }

    private Uni<Void> skip(CachedOrder order) {
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> skip(UUID id) {
        return Uni.createFrom().voidItem();
    }

    private Optional<Cached> decode(String s) {
        if (s == null) {
            return Optional.empty();
        }
        if (s.equals("-")) {
            return Optional.of(new Cached(-1, null));
        }
        int bar = s.indexOf('|');
        try {
            long revision = Long.parseLong(s.substring(0, bar));
            if (bar == s.length() - 1) {
                return Optional.of(new Cached(revision, null)); // a tombstone: nothing to serve, but a floor
            }
            String body = s.substring(bar + 1);
            OrderView view = json.readValue(body, OrderView.class);
            CachedOrder order = new CachedOrder(view, body.getBytes(StandardCharsets.UTF_8), revision);
            return Optional.of(new Cached(revision, order));
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty(); // unreadable entries are misses; the next put replaces them
        }
    }
}
