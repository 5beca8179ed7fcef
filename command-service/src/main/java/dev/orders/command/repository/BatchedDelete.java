package dev.orders.command.repository;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Housekeeping deletes (expired idempotency keys, relayed outbox rows) run as statements of at most {@code batch} rows
 * each, one after another, until one deletes fewer: each its own short transaction, well inside the role's
 * statement_timeout (5 s) however much has piled up, holding locks on few rows at a time. One unbounded DELETE of a
 * backlog that outgrew the timeout would roll back, and do the same at every run while the table grew.
 *
 * <p>Each statement also has a deadline of its own: a connection that stopped answering without closing (a pooler
 * gone from the network) would otherwise hold the scheduled job, whose next runs are skipped while it runs, until TCP
 * gives up minutes later.
 */
public final class BatchedDelete {
    /** Per statement: past the role's statement_timeout (5 s), which ends a statement the database is slow with. */
    static final Duration DEADLINE = Duration.ofSeconds(6);

    private BatchedDelete() {
    }

    /**
     * Runs {@code sql}, a DELETE of at most as many rows as its last parameter, with {@code args} and then
     * {@code batch} as parameters, until a statement deletes fewer than {@code batch}; answers the rows deleted.
     */
    public static Uni<Long> untilDone(Pool pool, String sql, int batch, Object... args) {
        List<Object> params = new ArrayList<>(List.of(args));
        params.add(batch);
        return untilDone(pool, sql, Tuple.from(params), batch);
    }

    private static Uni<Long> untilDone(Pool pool, String sql, Tuple params, int batch) {
        return pool.preparedQuery(sql).execute(params)
                .ifNoItem().after(DEADLINE).failWith(() -> new TimeoutException(
                        "a housekeeping delete did not answer within " + DEADLINE))
                .chain(r -> r.rowCount() < batch ? Uni.createFrom().item((long) r.rowCount())
                        : untilDone(pool, sql, params, batch).map(n -> n + r.rowCount()));
    }
}
