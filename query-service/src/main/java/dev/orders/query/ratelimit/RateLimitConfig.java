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

    interface Rule {
        int limit();

        Duration window();
    }
}
