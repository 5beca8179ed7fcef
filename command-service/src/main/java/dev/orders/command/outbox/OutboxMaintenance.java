package dev.orders.command.outbox;

import java.time.Duration;

import org.jboss.logging.Logger;

import dev.orders.command.repository.BatchedDelete;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Outbox observability and retention: publishes the backlog (unrelayed rows) and the age of the oldest one as
 * gauges, and deletes relayed rows older than {@code orders.outbox.retention} in bounded batches. Any replica may run
 * it; the delete is idempotent.
 *
 * <p>Measuring stays cheap however large the backlog: both figures come from the partial index on unpublished rows,
 * the count stops at {@code orders.outbox.backlog-count-limit} and the oldest row is the first in {@code seq} order.
 * A measurement that fails sets both gauges to NaN and counts {@code outbox_backlog_probe_failures_total}: a stale
 * "0" would hide exactly the outage an alert is for.
 */
@ApplicationScoped
public class OutboxMaintenance {
    private static final Logger LOG = Logger.getLogger(OutboxMaintenance.class);
    // Both served by the partial index on unpublished rows (outbox_unpublished_idx on seq): a count of at most $1
    // index entries, and the first one's row.
    public static final String BACKLOG = """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT $1) capped) AS backlog,
                   coalesce((SELECT extract(epoch FROM now() - occurred_at)::float8 FROM outbox
                              WHERE published_at IS NULL ORDER BY seq LIMIT 1), 0) AS oldest_seconds""";
    public static final String PURGE = """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox
                 WHERE published_at IS NOT NULL AND published_at < now() - $1::bigint * interval '1 second'
                 LIMIT $2)""";

    /** As the write database's health check: a measurement that takes longer is as good as none. */
    private static final Duration MEASURE_DEADLINE = Duration.ofSeconds(2);

    private final Pool pool;
    private final Duration retention;
    private final int purgeBatch;
    private final int countLimit;
    private volatile double backlog;
    private volatile double oldestSeconds;
    private final Counter probeFailures;

    public OutboxMaintenance(Pool pool, MeterRegistry registry, OutboxConfig config) {
        this.pool = pool;
        this.retention = config.retention();
        this.purgeBatch = config.purgeBatch();
        this.countLimit = config.backlogCountLimit();
        Gauge.builder("outbox.backlog", this, m -> m.backlog)
                .description("outbox rows not yet acknowledged by Kafka (counted up to orders.outbox.backlog-count-limit;"
                        + " NaN when the last measurement failed)")
                .register(registry);
        Gauge.builder("outbox.oldest.unpublished.age.seconds", this, m -> m.oldestSeconds)
                .description("age of the oldest unrelayed outbox row (NaN when the last measurement failed)")
                .register(registry);
        this.probeFailures = Counter.builder("outbox.backlog.probe.failures")
                .description("outbox backlog measurements that failed (the gauges then read NaN)").register(registry);
    }

    @Scheduled(every = "${orders.outbox.metrics-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> measure() {
        // a deadline of its own: a connection that stopped answering would leave the gauges at their last value
        return pool.preparedQuery(BACKLOG).execute(Tuple.of(countLimit))
                .ifNoItem().after(MEASURE_DEADLINE).fail().invoke(rows -> {
            var r = rows.iterator().next();
            backlog = r.getLong("backlog");
            oldestSeconds = r.getDouble("oldest_seconds");
        }).onFailure().invoke(e -> {
            backlog = Double.NaN;
            oldestSeconds = Double.NaN;
            probeFailures.increment();
            LOG.debugf("outbox backlog measurement failed: %s", e.toString());
        }).onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes batch after batch until no expired row is left (each batch its own short transaction). */
    @Scheduled(every = "${orders.outbox.purge-every:10m}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> purge() {
        return BatchedDelete.untilDone(pool, PURGE, purgeBatch, retention.toSeconds())
                .onFailure().invoke(e -> LOG.warn("outbox purge failed; will retry", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
