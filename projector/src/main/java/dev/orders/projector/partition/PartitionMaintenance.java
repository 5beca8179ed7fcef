package dev.orders.projector.partition;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
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
    private static final Pattern PARTITION_NAME = Pattern.compile("order_view_p[0-9]{6,8}");
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
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> maintain() {
        return premake().chain(this::detachExpired)
                .onFailure().invoke(e -> LOG.warn("partition maintenance failed; will retry", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    Uni<Void> premake() {
        return pool.preparedQuery("SELECT ensure_order_view_partitions(0, $1)").execute(Tuple.of(ahead))
                .replaceWithVoid();
    }

    /**
     * Detaches every partition that ends before the retention cutoff, {@code CONCURRENTLY} (upserts and reads of
     * order_view go on meanwhile), and renames it {@code <name>_detached} for an operator to archive or drop; returns
     * how many. A detach interrupted last time is finalized first. Each statement runs on its own (the concurrent
     * form cannot run in a transaction block); a failure leaves the rest to the next run.
     */
    public Uni<Integer> detachExpired() {
        Instant cutoff = cutoff();
        if (cutoff == null) {
            return Uni.createFrom().item(0);
        }
        return pool.preparedQuery("SELECT relname, detach_pending FROM expired_order_view_partitions($1)")
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC)))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(
                        r -> detach(r.getString("relname"), r.getBoolean("detach_pending")))
                .collect().asList().map(List::size);
    }

    private Uni<String> detach(String partition, boolean pending) {
        if (!PARTITION_NAME.matcher(partition).matches()) { // names come from pg_class; DDL takes no parameters
            return Uni.createFrom().failure(new IllegalStateException("unexpected partition name " + partition));
        }
        String detach = "ALTER TABLE order_view DETACH PARTITION " + partition
                + (pending ? " FINALIZE" : " CONCURRENTLY");
        String renamed = partition + "_detached";
        return pool.query(detach).execute()
                .chain(() -> pool.query("ALTER TABLE " + partition + " RENAME TO " + renamed).execute())
                .invoke(() -> LOG.infof("detached expired partition, now %s", renamed))
                .replaceWith(renamed);
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
