package dev.orders.query.cache;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.query.OrderView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The shared (L2) layer in Redis. Values are {@code <version>|<json>}, or {@code -} for a cached "not found". Writes
 * are compare-and-set in one Lua script, so an older version never overwrites a newer one, whichever instance
 * writes last. A longer-lived copy ({@code stale:} key) is what readers fall back to while the database is slow.
 *
 * <p>Redis is an optimisation: each call has a short timeout and a breaker, and any failure reads as a miss or is
 * dropped, so a Redis outage sends reads to the database instead of failing them.
 */
@ApplicationScoped
public class RedisOrderStore {
    static final String SET_IF_NEWER = """
            local function ver(v)
              if not v or v == '-' then return -1 end
              return tonumber(string.match(v, '^(%d+)|')) or -1
            end
            if ver(redis.call('GET', KEYS[1])) > tonumber(ARGV[1]) then return 0 end
            redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
            if ver(redis.call('GET', KEYS[2])) <= tonumber(ARGV[1]) then
              redis.call('SET', KEYS[2], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[4])
            end
            return 1
            """;
    static final String DELETE_IF_OLDER = """
            local cur = redis.call('GET', KEYS[1])
            if not cur then return 0 end
            local v = (cur == '-') and -1 or (tonumber(string.match(cur, '^(%d+)|')) or -1)
            if v < tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) return 1 end
            return 0
            """;

    /** A Redis entry: a view, or "known absent" when {@code view} is null. */
    public record Cached(long version, OrderView view) {
        boolean absent() {
            return view == null;
        }
    }

    private final ReactiveRedisDataSource redis;
    private final ReactiveValueCommands<String, String> values;
    private final ObjectMapper json;
    private final String prefix;
    private final Duration ttl;
    private final Duration negativeTtl;
    private final Duration staleTtl;

    public RedisOrderStore(ReactiveRedisDataSource redis, ObjectMapper json,
            @ConfigProperty(name = "orders.tenant", defaultValue = "default") String tenant,
            @ConfigProperty(name = "orders.cache.order-ttl", defaultValue = "PT60S") Duration ttl,
            @ConfigProperty(name = "orders.cache.negative-ttl", defaultValue = "PT2S") Duration negativeTtl,
            @ConfigProperty(name = "orders.cache.stale-ttl", defaultValue = "PT24H") Duration staleTtl) {
        this.redis = redis;
        this.values = redis.value(String.class, String.class);
        this.json = json;
        this.prefix = "orders:v1:" + tenant + ":";
        this.ttl = ttl;
        this.negativeTtl = negativeTtl;
        this.staleTtl = staleTtl;
    }

    String key(UUID id) {
        return prefix + "order:" + id;
    }

    String staleKey(UUID id) {
        return prefix + "stale:order:" + id;
    }

    String lockKey(UUID id) {
        return prefix + "lock:order:" + id;
    }

    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "miss")
    public Uni<Optional<Cached>> get(UUID id) {
        return values.get(key(id)).map(this::decode);
    }

    /** The long-lived copy, for serving stale while the database is unavailable. */
    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "miss")
    public Uni<Optional<Cached>> getStale(UUID id) {
        return values.get(staleKey(id)).map(this::decode);
    }

    Uni<Optional<Cached>> miss(UUID id) {
        return Uni.createFrom().item(Optional.empty());
    }

    /** Stores the view unless Redis already holds a newer version; TTL with jitter against synchronized expiry. */
    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "skip")
    public Uni<Void> putIfNewer(OrderView view) {
        long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, ttl.toMillis() / 10));
        return redis.execute("EVAL", SET_IF_NEWER, "2", key(view.id()), staleKey(view.id()),
                Long.toString(view.version()), encode(view), Long.toString(ttl.toMillis() + jitter),
                Long.toString(staleTtl.toMillis())).replaceWithVoid();
    }

    /** Remembers briefly that an order does not exist (yet), so repeated misses do not all reach the database. */
    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "skip")
    public Uni<Void> putAbsent(UUID id) {
        return values.setnx(key(id), "-").chain(set -> set ? redis.execute("PEXPIRE", key(id),
                Long.toString(negativeTtl.toMillis())).replaceWithVoid() : Uni.createFrom().voidItem());
    }

    /** Drops the entry if it is older than {@code version} (or a negative entry): after an invalidation. */
    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "skipVersion")
    public Uni<Void> deleteIfOlder(UUID id, long version) {
        return redis.execute("EVAL", DELETE_IF_OLDER, "1", key(id), Long.toString(version)).replaceWithVoid();
    }

    /** A short lock so that, across instances, one loader refills a missing key while the others wait for it. */
    @AsynchronousNonBlocking
    @Timeout(250)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    @Fallback(fallbackMethod = "noLock")
    public Uni<Boolean> tryLock(UUID id) {
        return redis.execute("SET", lockKey(id), "1", "NX", "PX", "2000").map(r -> r != null);
    }

    @AsynchronousNonBlocking
    @Timeout(250)
    @Fallback(fallbackMethod = "skip")
    public Uni<Void> unlock(UUID id) {
        return redis.execute("DEL", lockKey(id)).replaceWithVoid();
    }

    Uni<Void> skip(OrderView view) {
        return Uni.createFrom().voidItem();
    }

    Uni<Void> skip(UUID id) {
        return Uni.createFrom().voidItem();
    }

    Uni<Void> skipVersion(UUID id, long version) {
        return Uni.createFrom().voidItem();
    }

    /** Without Redis every instance loads for itself: the database is protected by the bulkhead instead. */
    Uni<Boolean> noLock(UUID id) {
        return Uni.createFrom().item(true);
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
            return Optional.of(new Cached(Long.parseLong(s.substring(0, bar)),
                    json.readValue(s.substring(bar + 1), OrderView.class)));
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty(); // unreadable entries are misses; the next put replaces them
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
