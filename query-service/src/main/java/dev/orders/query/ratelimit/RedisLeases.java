package dev.orders.query.ratelimit;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Redis as the rate limiter's shared window, behind the fault-tolerance policy named by this class
 * ({@code quarkus.fault-tolerance."dev.orders.query.ratelimit.RedisLeases".*}); {@link RateLimiter} decides locally
 * when it fails.
 */
@ApplicationScoped
@AsynchronousNonBlocking
@Timeout
@CircuitBreaker
public class RedisLeases {
    /**
     * KEYS[1]=window (zset of batches, member "<id>:<permits>", score = when they leave the lease), KEYS[2]=permits
     * counted. ARGV: limit, window ms, lease ms, permits asked, new batch id, previous batch id ('' if none), permits of
     * it spent. Returns {permits granted, permits left in the window, ms until the oldest batch leaves it}.
     */
    static final String LEASE = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local limit, window, lease, ask = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
            local function permits(member) return tonumber(string.match(member, ':(%d+)$')) end
            local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - window)
            if #expired > 0 then
              local freed = 0
              for _, m in ipairs(expired) do freed = freed + permits(m) end
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
              redis.call('DECRBY', KEYS[2], freed)
            end
            if ARGV[6] ~= '' then
              local prev = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[6] .. ':', '[' .. ARGV[6] .. ';')
              if #prev == 1 then
                local unused = permits(prev[1]) - tonumber(ARGV[7])
                if unused > 0 then
                  local score = redis.call('ZSCORE', KEYS[1], prev[1])
                  redis.call('ZREM', KEYS[1], prev[1])
                  if tonumber(ARGV[7]) > 0 then redis.call('ZADD', KEYS[1], score, ARGV[6] .. ':' .. ARGV[7]) end
                  redis.call('DECRBY', KEYS[2], unused)
                end
              end
            end
            local used = tonumber(redis.call('GET', KEYS[2]) or '0')
            local grant = math.min(ask, limit - used)
            if grant > 0 then
              -- a batch of one is spent as it is granted; a larger one counts from the end of its lease
              local at = now
              if grant > 1 then at = now + lease end
              redis.call('ZADD', KEYS[1], at, ARGV[5] .. ':' .. grant)
              used = redis.call('INCRBY', KEYS[2], grant)
            else
              grant = 0
            end
            redis.call('PEXPIRE', KEYS[1], window + lease)
            redis.call('PEXPIRE', KEYS[2], window + lease)
            local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
            local reset = window
            if oldest[2] then reset = math.min(window, tonumber(oldest[2]) + window - now) end
            return {grant, limit - used, reset}
            """;

    private final ReactiveRedisDataSource redis;
    private final Counter roundTrips;

    public RedisLeases(ReactiveRedisDataSource redis, MeterRegistry registry) {
        this.redis = redis;
        this.roundTrips = registry.counter("ratelimit.redis_calls");
    }

    /** Hands back what the previous batch left unspent and leases the next one, atomically. */
    public Uni<RateLimiter.Grant> lease(String key, int limit, long windowMs, long leaseMs, Lease.Ask ask) {
        roundTrips.increment();
        return redis.execute("EVAL", LEASE, "2", key, key + ":n", Integer.toString(limit), Long.toString(windowMs),
                Long.toString(leaseMs), Integer.toString(ask.permits()), ask.batchId(), ask.previousBatch(),
                Integer.toString(ask.previousSpent()))
                .map(r -> new RateLimiter.Grant(r.get(0).toInteger(), r.get(1).toLong(), r.get(2).toLong()));
    }
}
