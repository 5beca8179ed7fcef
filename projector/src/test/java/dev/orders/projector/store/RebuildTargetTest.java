package dev.orders.projector.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.OrderEvent;
import dev.orders.events.OrderEventType;
import dev.orders.events.OrderIds;
import dev.orders.events.OrderState;
import dev.orders.events.OrderStatus;
import dev.orders.projector.ProjectorConfig;
import dev.orders.projector.partition.PartitionMaintenance;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/**
 * A rebuild's projector ({@code orders.projector.target-suffix=_next}) writes through the read database's
 * {@code apply_orders_next}: the same upsert as the live one, into the {@code *_next} tables only.
 */
@QuarkusTest
class RebuildTargetTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Pool db;
    @Inject
    ObjectMapper json;
    @Inject
    PartitionMaintenance partitions;

    @BeforeEach
    void freshNextTables() {
        db.query("SELECT prepare_read_model_rebuild()").execute().await().atMost(WAIT);
    }

    @AfterEach
    void dropNextTables() {
        db.query("DROP TABLE IF EXISTS order_view_next, customer_summary_next, customer_view_next").execute()
                .await().atMost(WAIT);
    }

    @Test
    void upsertsIntoTheNextTablesWithTheVersionGuardAndSummary() {
        OrderViewStore next = new OrderViewStore(db, json, partitions, targeting("_next"));
        UUID customer = UUID.randomUUID();
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        OrderState v1 = new OrderState(OrderIds.newId(t), customer, "Ada", "ada@example.com", OrderStatus.PENDING, 1,
                t, t, "EUR", 1200, List.of(new OrderState.OrderLine(UUID.randomUUID(), "Gadget", 2, 600)));
        OrderState v2 = new OrderState(v1.id(), customer, "Ada", "ada@example.com", OrderStatus.CANCELLED, 2, t,
                t.plusSeconds(1), "EUR", 1200, v1.items());

        next.apply(List.of(event(OrderEventType.OrderCreated, v1)), List.of()).await().atMost(WAIT);
        next.apply(List.of(event(OrderEventType.OrderCancelled, v2)), List.of()).await().atMost(WAIT);
        // a redelivered older version changes nothing
        assertEquals(0, next.apply(List.of(event(OrderEventType.OrderCreated, v1)), List.of()).await().atMost(WAIT)
                .applied());

        Row row = one("SELECT status, version, item_count FROM order_view_next WHERE id = $1", v1.id());
        assertEquals("CANCELLED", row.getString("status"));
        assertEquals(2L, row.getLong("version"));
        assertEquals(2, row.getInteger("item_count"));
        Row summary = one("SELECT order_count, lifetime_total_cents FROM customer_summary_next WHERE customer_id = $1",
                customer);
        assertEquals(1L, summary.getLong("order_count"));
        assertEquals(0L, summary.getLong("lifetime_total_cents"), "a cancelled order leaves the lifetime total");
        assertFalse(db.preparedQuery("SELECT 1 FROM order_view WHERE id = $1").execute(Tuple.of(v1.id()))
                .await().atMost(WAIT).iterator().hasNext(), "the live table is not written");
    }

    private Row one(String sql, UUID id) {
        var rows = db.preparedQuery(sql).execute(Tuple.of(id)).await().atMost(WAIT).iterator();
        return rows.next();
    }

    private static OrderEvent event(OrderEventType type, OrderState s) {
        return OrderEvent.of(type, s, s.updatedAt());
    }

    /** The projector's configuration (its defaults) with another target. */
    private static ProjectorConfig targeting(String suffix) {
        return new SmallRyeConfigBuilder().withMapping(ProjectorConfig.class)
                .withDefaultValue("orders.projector.target-suffix", suffix)
                .build().getConfigMapping(ProjectorConfig.class);
    }
}
