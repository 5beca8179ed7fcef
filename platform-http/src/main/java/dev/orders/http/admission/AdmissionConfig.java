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

    /**
     * How long, at most, the next request on a rejected HTTP/1.1 connection is held (only when it finds no free slot)
     * before it is admitted or rejected again: the hold window's ceiling (besides the rejection's Retry-After).
     */
    @WithDefault("PT5S")
    Duration maxRejectPause();

    /** {@code orders.admission.reject-hold.*}: the hold window of a rejected connection. */
    RejectHold rejectHold();

    interface RejectHold {
        /** The window after a connection's first rejection; it doubles with each rejection in a row. 0: no hold. */
        @WithDefault("PT0.05S")
        Duration first();
    }

    /** {@code orders.admission.queue.*}: where a request that finds the limit reached may wait ({@link WaitingRoom}). */
    Queue queue();

    interface Queue {
        /** Requests that may wait at once; 0: none, every request past the limit is rejected at once. */
        @WithDefault("0")
        int size();

        /** How long one may wait while the queue drains (a burst). */
        @WithDefault("PT0.2S")
        Duration maxWait();

        /** How long one may wait once the queue is standing (overload). */
        @WithDefault("PT0.01S")
        Duration standingWait();

        /** A queue that has not been empty for this long is standing. */
        @WithDefault("PT0.1S")
        Duration standingAfter();
    }
}
