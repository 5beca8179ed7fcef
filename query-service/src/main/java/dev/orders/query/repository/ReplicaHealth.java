package dev.orders.query.repository;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.orders.http.dependency.OutageMemory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Measures the replica's lag in time from the projector's heartbeat row: the primary's beat minus the replica's
 * replayed beat (so a stopped projector does not look like a lagging replica). A replica that does not answer, or
 * lags more than {@code orders.replica.max-lag}, is skipped in favour of the read primary until it is back in bounds.
 * A pool that answers again after a missed check has ended an outage: {@link OutageMemory} clears its breakers.
 */
@ApplicationScoped
public class ReplicaHealth {
    private static final Logger LOG = Logger.getLogger(ReplicaHealth.class);
    private static final String BEAT = "SELECT (extract(epoch FROM beat_at) * 1000)::bigint FROM projector_heartbeat";

    private final Pool replica;
    private final Pool primary;
    private final long maxLagMillis;
    private final AtomicLong lagMillis = new AtomicLong();
    private static final int MISSES_BEFORE_SKIP = 3;
    private volatile boolean usable = true;
    private int misses;
    private final OutageMemory replicaOutages;
    private final OutageMemory primaryOutages;

    public ReplicaHealth(Pool replica, @ReactiveDataSource("primary") Pool primary, CircuitBreakerMaintenance breakers,
            MeterRegistry registry,
            @ConfigProperty(name = "orders.replica.max-lag", defaultValue = "PT5S") Duration maxLag) {
        this.replica = replica;
        this.primary = primary;
        this.replicaOutages = new OutageMemory("replica", ReplicaReads.BREAKERS, breakers, registry);
        this.primaryOutages = new OutageMemory("read-primary", PrimaryReads.BREAKERS, breakers, registry);
        this.maxLagMillis = maxLag.toMillis();
        Gauge.builder("replica.lag.seconds", lagMillis, v -> v.get() / 1000.0)
                .description("replica replay lag measured by the projector heartbeat").register(registry);
        Gauge.builder("replica.usable", this, h -> h.usable ? 1 : 0)
                .description("1 while reads are routed to the replica").register(registry);
    }

    /** Whether reads should go to the replica now. */
    public boolean usable() {
        return usable;
    }

    @Scheduled(every = "${orders.replica.check-every:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> check() {
        Uni<Long> replicaBeat = replica.query(BEAT).execute().map(rs -> rs.iterator().next().getLong(0))
                .ifNoItem().after(Duration.ofSeconds(1)).fail();
        Uni<Long> primaryBeat = primary.query(BEAT).execute().map(rs -> rs.iterator().next().getLong(0))
                .ifNoItem().after(Duration.ofSeconds(1)).fail();
        return Uni.combine().all().unis(replicaBeat.map(Optional::of).onFailure().recoverWithItem(Optional.empty()),
                primaryBeat.map(Optional::of).onFailure().recoverWithItem(Optional.empty())).asTuple()
                .invoke(t -> {
                    Optional<Long> r = t.getItem1();
                    Optional<Long> p = t.getItem2();
                    // before the replica is back in use, so its first reads meet an empty breaker window
                    replicaOutages.checked(r.isPresent());
                    primaryOutages.checked(p.isPresent());
                    if (r.isPresent()) {
                        update(Math.max(0, p.orElseGet(System::currentTimeMillis) - r.get()), true);
                    } else if (p.isPresent()) {
                        update(lagMillis.get(), false); // the primary answered in time and the replica did not
                    }
                    // neither answered in time: this instance is too busy to tell (overload), not the replica's fault
                })
                .replaceWithVoid();
    }

    private void update(long lag, boolean answered) {
        lagMillis.set(lag);
        misses = answered ? 0 : misses + 1;
        // one slow check is not an outage: skip the replica after a few misses in a row (or when it lags)
        boolean now = (answered || misses < MISSES_BEFORE_SKIP) && lag <= maxLagMillis;
        if (now != usable) {
            LOG.infof("replica %s (lag %d ms, answered %s)", now ? "back in use" : "skipped", lag, answered);
        }
        usable = now;
    }
}
