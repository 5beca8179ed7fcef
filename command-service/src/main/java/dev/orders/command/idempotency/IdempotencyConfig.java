package dev.orders.command.idempotency;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.idempotency.*}: how long {@code Idempotency-Key}s live (see {@link IdempotencyService}). */
@ConfigMapping(prefix = "orders.idempotency")
public interface IdempotencyConfig {
    /** A key and its stored response are kept this long, then purged. */
    @WithDefault("PT24H")
    Duration ttl();

    /** A key left IN_PROGRESS (its request died) may be claimed again after this. */
    @WithDefault("PT60S")
    Duration lockTimeout();
}
