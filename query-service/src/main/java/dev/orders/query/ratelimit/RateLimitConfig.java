package dev.orders.query.ratelimit;

import java.time.Duration;
import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.rate-limit.classes.<route-class>.limit|window}: requests allowed per principal per window. */
@ConfigMapping(prefix = "orders.rate-limit")
public interface RateLimitConfig {
    @WithDefault("true")
    boolean enabled();

    Map<String, Rule> classes();

    /** How long a leased batch of permits may be spent (see {@link RateLimiter}). */
    @WithDefault("PT1S")
    Duration leaseTtl();

    /** The largest batch one Redis round trip leases (never more than 1/20 of a limit). */
    @WithDefault("256")
    int maxLease();

    interface Rule {
        int limit();

        Duration window();
    }
}
