package dev.orders.http.dependency;

import java.util.List;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Makes a connection pool's circuit breakers forget an outage once a periodic check sees the pool answer again.
 *
 * <p>SmallRye FT's breaker window is the last {@code request-volume-threshold} calls, not the last seconds. An outage
 * too short or too quiet to fill that window leaves its failures in it, and a pool few calls use (a read primary read
 * only on fallback, a replica not read at all while skipped, a write API at night) may go minutes before the calls
 * that fill it arrive. Those calls, against a database that answers, would then open the breaker on the outage's
 * failures: a CI run answered 503 that way, 40 s after both read databases were back. A breaker that is open or
 * half-open is left to its own trial call.
 *
 * <p>One instance per pool, fed by one check at a time.
 */
public final class OutageMemory {
    private static final Logger LOG = Logger.getLogger(OutageMemory.class);

    private final String pool;
    private final List<String> breakers;
    private final CircuitBreakerMaintenance maintenance;
    private final Counter outagesEnded;
    /** The pool missed its last check: its next answer ends an outage. */
    private volatile boolean missed;

    /** {@code breakers}: the {@code @CircuitBreakerName}s of the calls made on {@code pool}. */
    public OutageMemory(String pool, List<String> breakers, CircuitBreakerMaintenance maintenance,
            MeterRegistry registry) {
        this.pool = pool;
        this.breakers = List.copyOf(breakers);
        this.maintenance = maintenance;
        this.outagesEnded = Counter.builder("dependency.outage.ended").tag("pool", pool)
                .description("checks that saw the pool answer again after a miss (its closed breakers were reset)")
                .register(registry);
    }

    /** What the pool's check found. The first answer after a miss resets the pool's closed breakers. */
    public void checked(boolean answered) {
        if (answered && missed) {
            int reset = 0;
            for (String name : breakers) {
                if (maintenance.currentState(name) == CircuitBreakerState.CLOSED) {
                    maintenance.reset(name);
                    reset++;
                }
            }
            outagesEnded.increment();
            LOG.infof("%s answers again: %d closed breaker(s) forget the outage's failures", pool, reset);
        }
        missed = !answered;
    }
}
