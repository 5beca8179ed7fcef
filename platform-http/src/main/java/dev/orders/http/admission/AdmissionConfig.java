package dev.orders.http.admission;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.admission.*}: load shedding at the edge (see {@link AdmissionControl}). */
@ConfigMapping(prefix = "orders.admission")
public interface AdmissionConfig {
    /** Install admission control (query-service does). */
    @WithDefault("false")
    boolean enabled();

    /** API requests worked on at once per instance. */
    @WithDefault("64")
    int maxInFlight();

    /** The deadline all dependency calls of one admitted request share. */
    @WithDefault("PT1S")
    Duration requestDeadline();

    /** The largest Retry-After a rejection gives. */
    @WithDefault("PT30S")
    Duration maxRetryAfter();

    /** How long, at most, a rejected HTTP/1.1 connection is not read. */
    @WithDefault("PT5S")
    Duration maxRejectPause();
}
