package dev.orders.http.security;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.security.*}: the cache of verified bearer tokens (see {@link VerifiedTokens}). */
@ConfigMapping(prefix = "orders.security")
public interface SecurityConfig {
    /** At most this many verified tokens are kept per instance. */
    @WithDefault("50000")
    long verifiedTokens();

    /** A verified token is trusted from the cache at most this long (and never past its {@code exp}). */
    @WithDefault("PT5M")
    Duration verifiedTokenTtl();
}
