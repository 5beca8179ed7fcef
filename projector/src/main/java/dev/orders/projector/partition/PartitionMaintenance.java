package dev.orders.projector.partition;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Partition lifecycle of the read model: keeps {@code orders.partitions.ahead} units premade (the apply path also
 * creates a missing one on demand, so this keeps DDL off the hot path rather than guarding correctness) and detaches
 * partitions older than {@code orders.partitions.retention} units (0 keeps everything).
 */
@ApplicationScoped
public class PartitionMaintenance {
    private static final Logger LOG = Logger.getLogger(PartitionMaintenance.class);

    private final Pool pool;
    private final String unit;
    private final int ahead;
    private final int retention;

    public PartitionMaintenance(Pool pool, PartitionConfig config) {
        this.pool = pool;
        this.unit = config.unit();
        this.ahead = config.ahead();
        this.retention = config.retention();
    }

    @Scheduled(every = "${orders.partitions.check-every:1h}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> maintain() {
        return premake().chain(this::detachExpired)
                .onFailure().invoke(e -> LOG.warn("partition maintenance failed; will retry", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    Uni<Void> premake() {
        return pool.preparedQuery("SELECT ensure_order_view_partitions(0, $1)").execute(Tuple.of(ahead))
                .replaceWithVoid();
    }

    /** Detaches every partition that ends before the retention cutoff; returns how many. */
    public Uni<Integer> detachExpired() {
        Instant cutoff = cutoff();
        if (cutoff == null) {
            return Uni.createFrom().item(0);
        }
        return pool.preparedQuery("SELECT detach_order_view_partitions_before($1)")
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC)))
                .invoke(rows -> rows.forEach(r -> LOG.infof("detached expired partition, now %s", r.getString(0))))
                .map(rows -> rows.size());
    }

    /** Start of the oldest kept partition, or null when retention is off. Events before it are not applied. */
    public Instant cutoff() {
        if (retention <= 0) {
            return null;
        }
        return bucketStart(Instant.now()).minus(retention, chronoUnit()).atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    /** First day of the partition holding {@code t} (UTC), as Postgres' date_trunc(unit) computes it. */
    public LocalDate bucketStart(Instant t) {
        LocalDate d = t.atOffset(ZoneOffset.UTC).toLocalDate();
        return switch (unit) {
            case "day" -> d;
            case "week" -> d.with(TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
            default -> d.withDayOfMonth(1);
        };
    }

    private ChronoUnit chronoUnit() {
        return switch (unit) {
            case "day" -> ChronoUnit.DAYS;
            case "week" -> ChronoUnit.WEEKS;
            default -> ChronoUnit.MONTHS;
        };
    }
}
