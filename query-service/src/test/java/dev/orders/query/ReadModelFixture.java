package dev.orders.query;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import dev.orders.events.OrderIds;
import dev.orders.testing.ReadModel;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** Writes read-model rows on the read primary, as the projector would, and waits for the replica to have them. */
@ApplicationScoped
public class ReadModelFixture {
    private final Pool primary;
    private final ReadModel onReplica;

    public ReadModelFixture(@ReactiveDataSource("primary") Pool primary, Pool replica) {
        this.primary = primary;
        this.onReplica = new ReadModel(replica);
    }

    public UUID insertOrder(UUID customerId, Instant createdAt, String status, long version) {
        return insertOrder(customerId, createdAt, status, version, "Widget");
    }

    public UUID insertOrder(UUID customerId, Instant createdAt, String status, long version, String itemName) {
        Instant t = createdAt.truncatedTo(ChronoUnit.MILLIS);
        return insertOrder(OrderIds.newId(t), customerId, t, status, version, itemName);
    }

    /** Inserts the order {@code id} (made with {@link OrderIds#newId} from {@code createdAt}, as the write API does). */
    public UUID insertOrder(UUID id, UUID customerId, Instant createdAt, String status, long version, String itemName) {
        Instant t = createdAt.truncatedTo(ChronoUnit.MILLIS);
        primary.preparedQuery("SELECT ensure_order_view_partition($1)")
                .execute(Tuple.of(t.atOffset(ZoneOffset.UTC))).await().atMost(Duration.ofSeconds(5));
        primary.preparedQuery("""
                INSERT INTO order_view (id, created_at, customer_id, customer_name, customer_email, status, version,
                                        updated_at, currency, total_cents, item_count, items, revision)
                VALUES ($1, $2, $3, 'Test Customer', 'test@example.com', $4, $5, $2, 'EUR', 2500, 2,
                        jsonb_build_array(jsonb_build_object('productId', 'a0000000-0000-4000-8000-000000000001',
                                          'name', $6::text, 'quantity', 2, 'unitPriceCents', 1250)),
                        nextval('order_view_revision'))
                """).execute(Tuple.from(java.util.List.of(id, t.atOffset(ZoneOffset.UTC), customerId, status, version,
                        itemName)))
                .await().atMost(Duration.ofSeconds(5));
        return id;
    }

    /** Moves a row to a new status and version on the read primary, as a projected event would; its new revision. */
    public long update(UUID id, String status, long version) {
        return primary.preparedQuery("""
                UPDATE order_view SET status = $2, version = $3, revision = nextval('order_view_revision')
                 WHERE id = $1 RETURNING revision""")
                .execute(Tuple.of(id, status, version)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    /** Renames the customer on the row, as a projected customer rename would: same version, new revision. */
    public long rename(UUID id, String customerName) {
        return primary.preparedQuery("""
                UPDATE order_view SET customer_name = $2, revision = nextval('order_view_revision')
                 WHERE id = $1 RETURNING revision""")
                .execute(Tuple.of(id, customerName)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    /** The row's read revision (on the read primary). */
    public long revision(UUID id) {
        return primary.preparedQuery("SELECT revision FROM order_view WHERE id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }

    public void summary(UUID customerId, long count, long total) {
        primary.preparedQuery("""
                INSERT INTO customer_summary (customer_id, order_count, lifetime_total_cents, last_order_at)
                VALUES ($1, $2, $3, now())""").execute(Tuple.of(customerId, count, total))
                .await().atMost(Duration.ofSeconds(5));
    }

    /** Streaming replication is asynchronous: waits (with a deadline) until the replica shows this version. */
    public void awaitVersionOnReplica(UUID id, long version) {
        onReplica.awaitVersion(id, version);
    }

    /** Waits until the replica has replayed the row. */
    public void awaitOnReplica(UUID id) {
        onReplica.awaitOrder(id, row -> true);
    }
}
