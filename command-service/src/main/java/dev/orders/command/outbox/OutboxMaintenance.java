package dev.orders.command.outbox;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

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
 */
@ApplicationScoped
public class OutboxMaintenance {
    private static final Logger LOG = Logger.getLogger(OutboxMaintenance.class);
    // Both served by the partial index on unpublished rows.
    public static final String BACKLOG = """
            SELECT count(*) AS backlog,
                   coalesce(extract(epoch FROM now() - min(occurred_at)), 0) AS oldest_seconds
              FROM outbox WHERE published_at IS NULL""";
    public static final String PURGE = """
            DELETE FROM outbox WHERE id IN (
                SELECT id FROM outbox
                 WHERE published_at IS NOT NULL AND published_at < now() - $1::bigint * interval '1 second'
                 LIMIT $2)""";

    private final Pool pool;
    private final Duration retention;
    private final int purgeBatch;
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();

    public OutboxMaintenance(Pool pool, MeterRegistry registry, OutboxConfig config) {
        this.pool = pool;
        this.retention = config.retention();
        this.purgeBatch = config.purgeBatch();
        Gauge.builder("outbox.backlog", backlog, AtomicLong::get)
                .description("outbox rows not yet acknowledged by Kafka").register(registry);
        Gauge.builder("outbox.oldest.unpublished.age.seconds", oldestMillis, v -> v.get() / 1000.0)
                .description("age of the oldest unrelayed outbox row").register(registry);
    }

    @Scheduled(every = "${orders.outbox.metrics-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> measure() {
        return pool.query(BACKLOG).execute().invoke(rows -> {
            var r = rows.iterator().next();
            backlog.set(r.getLong("backlog"));
            oldestMillis.set((long) (r.getDouble("oldest_seconds") * 1000));
        }).onFailure().invoke(e -> LOG.debug("outbox backlog query failed", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes batch after batch until no expired row is left (each batch its own short transaction). */
    @Scheduled(every = "${orders.outbox.purge-every:10m}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return purgeBatch().onFailure().invoke(e -> LOG.warn("outbox purge failed; will retry", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    Uni<Integer> purgeBatch() {
        return pool.preparedQuery(PURGE).execute(Tuple.of(retention.toSeconds(), purgeBatch))
                .chain(r -> r.rowCount() == purgeBatch ? purgeBatch().map(n -> n + purgeBatch)
                        : Uni.createFrom().item(r.rowCount()));
    }
}
