package dev.orders.projector.store;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.OrderEvent;
import dev.orders.events.OrderState;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes order events into the denormalized, date-partitioned {@code order_view} table of the read primary.
 *
 * <p>A batch is one multi-row upsert (arrays unnested server-side): one round trip however many events. The
 * {@code WHERE order_view.version < EXCLUDED.version} guard makes it idempotent and order-insensitive: a duplicate or an
 * older version changes nothing, so redelivery after a crash is harmless.
 */
@ApplicationScoped
public class OrderViewStore {
    private static final String UPSERT = """
            INSERT INTO order_view (id, created_at, customer_id, customer_name, customer_email, status, version,
                                    updated_at, currency, total_cents, item_count, items)
            SELECT u.id, u.created_at, u.customer_id, u.customer_name, u.customer_email, u.status, u.version,
                   u.updated_at, u.currency, u.total_cents, u.item_count, u.items::jsonb
              FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int8[],
                          $8::timestamptz[], $9::text[], $10::int8[], $11::int4[], $12::text[])
                AS u(id, created_at, customer_id, customer_name, customer_email, status, version,
                     updated_at, currency, total_cents, item_count, items)
            ON CONFLICT (id, created_at) DO UPDATE
               SET customer_name  = EXCLUDED.customer_name,
                   customer_email = EXCLUDED.customer_email,
                   status         = EXCLUDED.status,
                   version        = EXCLUDED.version,
                   updated_at     = EXCLUDED.updated_at,
                   currency       = EXCLUDED.currency,
                   total_cents    = EXCLUDED.total_cents,
                   item_count     = EXCLUDED.item_count,
                   items          = EXCLUDED.items,
                   projected_at   = now()
             WHERE order_view.version < EXCLUDED.version""";

    private final Pool pool;
    private final ObjectMapper json;
    /** Months whose partition is known to exist; saves a round trip per batch in the common case. */
    private final Set<LocalDate> knownMonths = ConcurrentHashMap.newKeySet();

    public OrderViewStore(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** Applies the events; returns how many rows changed (the rest were duplicates or stale versions). */
    public Uni<Integer> apply(Collection<OrderEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<OrderState> rows = newestPerOrder(events);
        return ensurePartitions(rows).chain(() -> upsert(rows));
    }

    /** One row per order (the highest version): ON CONFLICT cannot touch the same row twice in one statement. */
    static List<OrderState> newestPerOrder(Collection<OrderEvent> events) {
        Map<UUID, OrderState> newest = new LinkedHashMap<>();
        for (OrderEvent e : events) {
            newest.merge(e.aggregateId(), e.payload(), (a, b) -> a.version() >= b.version() ? a : b);
        }
        return new ArrayList<>(newest.values());
    }

    private Uni<Void> ensurePartitions(List<OrderState> rows) {
        List<LocalDate> missing = rows.stream()
                .map(r -> r.createdAt().atOffset(ZoneOffset.UTC).toLocalDate().withDayOfMonth(1))
                .distinct().filter(m -> !knownMonths.contains(m)).toList();
        return Multi.createFrom().iterable(missing)
                .onItem().transformToUniAndConcatenate(this::ensurePartition)
                .collect().last().replaceWithVoid();
    }

    public Uni<String> ensurePartition(LocalDate month) {
        return pool.preparedQuery("SELECT ensure_order_view_partition($1)").execute(Tuple.of(month))
                .map(rs -> rs.iterator().next().getString(0))
                .invoke(() -> knownMonths.add(month));
    }

    private Uni<Integer> upsert(List<OrderState> rows) {
        int n = rows.size();
        UUID[] id = new UUID[n];
        OffsetDateTime[] createdAt = new OffsetDateTime[n];
        UUID[] customerId = new UUID[n];
        String[] customerName = new String[n];
        String[] customerEmail = new String[n];
        String[] status = new String[n];
        Long[] version = new Long[n];
        OffsetDateTime[] updatedAt = new OffsetDateTime[n];
        String[] currency = new String[n];
        Long[] total = new Long[n];
        Integer[] itemCount = new Integer[n];
        String[] items = new String[n];
        for (int i = 0; i < n; i++) {
            OrderState r = rows.get(i);
            id[i] = r.id();
            createdAt[i] = r.createdAt().atOffset(ZoneOffset.UTC);
            customerId[i] = r.customerId();
            customerName[i] = r.customerName();
            customerEmail[i] = r.customerEmail();
            status[i] = r.status().name();
            version[i] = r.version();
            updatedAt[i] = r.updatedAt().atOffset(ZoneOffset.UTC);
            currency[i] = r.currency();
            total[i] = r.totalCents();
            itemCount[i] = r.items().stream().mapToInt(OrderState.OrderLine::quantity).sum();
            items[i] = toJson(r.items());
        }
        Tuple params = Tuple.tuple(List.<Object>of(id, createdAt, customerId, customerName, customerEmail, status, version,
                updatedAt, currency, total, itemCount, items));
        return pool.withTransaction(conn -> conn.preparedQuery(UPSERT).execute(params))
                .map(rs -> rs.rowCount());
    }

    private String toJson(List<OrderState.OrderLine> lines) {
        try {
            return json.writeValueAsString(lines);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
