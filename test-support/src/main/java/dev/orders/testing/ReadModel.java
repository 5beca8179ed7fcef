package dev.orders.testing;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reads of the read model that tests share: one order's row and one customer's summary, and waits (with a deadline,
 * never a fixed sleep) until they show what a test expects. The projector's tests read what it wrote; query-service's
 * tests wait for their fixtures to reach the replica.
 */
public final class ReadModel {
    /** Long enough for a projector batch or replica replay on a loaded CI machine; a broken path still fails. */
    public static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration QUERY = Duration.ofSeconds(5);

    private final Pool db;

    public ReadModel(Pool db) {
        this.db = db;
    }

    /** The order's row (status, version, revision, customer, totals, items as text, partition name), or null. */
    public Row order(UUID id) {
        var rows = db.preparedQuery("""
                SELECT status, version, revision, customer_name, customer_email, total_cents, item_count,
                       items::text AS items, tableoid::regclass::text AS partition
                  FROM order_view WHERE id = $1""").execute(Tuple.of(id)).await().atMost(QUERY);
        return rows.size() == 0 ? null : rows.iterator().next();
    }

    /** Waits until the order's row exists and matches {@code until}; returns that row. */
    public Row awaitOrder(UUID id, Predicate<Row> until) {
        AtomicReference<Row> seen = new AtomicReference<>();
        Awaitility.await("order " + id).atMost(DEADLINE).until(() -> {
            Row r = order(id);
            seen.set(r != null && until.test(r) ? r : null);
            return seen.get() != null;
        });
        return seen.get();
    }

    public Row awaitVersion(UUID id, long version) {
        return awaitOrder(id, r -> r.getLong("version") == version);
    }

    /** The customer's summary row (order_count, lifetime_total_cents), or null. */
    public Row summary(UUID customer) {
        var rows = db.preparedQuery("""
                SELECT order_count, lifetime_total_cents FROM customer_summary WHERE customer_id = $1""")
                .execute(Tuple.of(customer)).await().atMost(QUERY);
        return rows.size() == 0 ? null : rows.iterator().next();
    }

    public void awaitSummary(UUID customer, long count, long totalCents) {
        Awaitility.await("summary of " + customer).atMost(DEADLINE).until(() -> {
            Row r = summary(customer);
            return r != null && r.getLong("order_count") == count && r.getLong("lifetime_total_cents") == totalCents;
        });
    }
}
