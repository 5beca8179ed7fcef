package dev.orders.query;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.awaitility.Awaitility;

import dev.orders.events.OrderIds;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Writes read-model rows on the read primary, as the projector would, and waits for the replica to have them. */
public final class ReadModelFixture {
    private final Pool primary;
    private final Pool replica;

    public ReadModelFixture(Pool primary, Pool replica) {
        this.primary = primary;
        this.replica = replica;
    }

    public UUID insertOrder(UUID customerId, Instant createdAt, String status, long version) {
        Instant t = createdAt.truncatedTo(ChronoUnit.MILLIS);
        UUID id = OrderIds.newId(t);
        primary.preparedQuery("SELECT ensure_order_view_partition($1)")
                .execute(Tuple.of(t.atOffset(ZoneOffset.UTC))).await().atMost(Duration.ofSeconds(5));
        primary.preparedQuery("""
                INSERT INTO order_view (id, created_at, customer_id, customer_name, customer_email, status, version,
                                        updated_at, currency, total_cents, item_count, items)
                VALUES ($1, $2, $3, 'Test Customer', 'test@example.com', $4, $5, $2, 'EUR', 2500, 2,
                        '[{"productId":"a0000000-0000-4000-8000-000000000001","name":"Widget","quantity":2,"unitPriceCents":1250}]')
                """).execute(Tuple.of(id, t.atOffset(ZoneOffset.UTC), customerId, status, version))
                .await().atMost(Duration.ofSeconds(5));
        return id;
    }

    /** Streaming replication is asynchronous: wait (with a deadline) until the replica has replayed the row. */
    public void awaitOnReplica(UUID id) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> replica
                .preparedQuery("SELECT 1 FROM order_view WHERE id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5)).size() == 1);
    }
}
