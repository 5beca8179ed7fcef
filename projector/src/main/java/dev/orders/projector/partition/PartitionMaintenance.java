package dev.orders.projector.partition;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps monthly partitions of the read model premade ahead of time (the apply path also creates a missing one on
 * demand, so this is about keeping DDL off the hot path, not correctness).
 */
@ApplicationScoped
public class PartitionMaintenance {
    private static final Logger LOG = Logger.getLogger(PartitionMaintenance.class);

    private final Pool pool;
    private final int monthsAhead;

    public PartitionMaintenance(Pool pool,
            @ConfigProperty(name = "orders.partitions.months-ahead", defaultValue = "3") int monthsAhead) {
        this.pool = pool;
        this.monthsAhead = monthsAhead;
    }

    @Scheduled(every = "${orders.partitions.check-every:1h}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> premake() {
        return pool.preparedQuery("SELECT ensure_order_view_partitions(0, $1)").execute(Tuple.of(monthsAhead))
                .invoke(() -> LOG.debugf("partitions premade %d months ahead", monthsAhead))
                .onFailure().invoke(e -> LOG.warn("partition maintenance failed; will retry", e))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
