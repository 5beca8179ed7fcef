package dev.orders.query.repository;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.OrderIds;
import dev.orders.query.OrderView;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The read API's SQL against {@code order_view}, bound to one pool (replica or read primary). Each call is one round trip:
 * items live in the row as jsonb, so there is no N+1. Lists are keyset-paginated on (created_at, id), which the
 * composite indexes serve at the same cost on any page.
 */
public final class OrderViewReads {
    private static final String COLUMNS = "id, customer_id, customer_name, customer_email, status, version, "
            + "created_at, updated_at, currency, total_cents, items::text AS items";
    // created_at = the id's timestamp: prunes the lookup to a single partition.
    private static final String BY_ID = "SELECT " + COLUMNS + " FROM order_view WHERE id = $1 AND created_at = $2";
    private static final String CUSTOMER_FIRST_PAGE = "SELECT " + COLUMNS + " FROM order_view WHERE customer_id = $1"
            + " ORDER BY created_at DESC, id DESC LIMIT $2";
    private static final String CUSTOMER_NEXT_PAGE = "SELECT " + COLUMNS + " FROM order_view WHERE customer_id = $1"
            + " AND (created_at, id) < ($3, $4) ORDER BY created_at DESC, id DESC LIMIT $2";
    private static final String ALL_FIRST_PAGE = "SELECT " + COLUMNS + " FROM order_view"
            + " ORDER BY created_at DESC, id DESC LIMIT $1";
    private static final String ALL_NEXT_PAGE = "SELECT " + COLUMNS + " FROM order_view"
            + " WHERE (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $1";
    private static final TypeReference<List<OrderView.Line>> LINES = new TypeReference<>() {
    };

    /** Position after which the next page starts (exclusive). */
    public record Keyset(Instant createdAt, UUID id) {
    }

    private final Pool pool;
    private final ObjectMapper json;

    public OrderViewReads(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    private Pool pool() {
        return pool;
    }

    public Uni<Optional<OrderView>> selectById(UUID id) {
        if (id.version() != 7) {
            return Uni.createFrom().item(Optional.empty()); // not an order id this platform issued
        }
        return pool().preparedQuery(BY_ID).execute(Tuple.of(id, utc(OrderIds.timestampOf(id))))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
    }

    /** Newest first; {@code customerId} null means all customers (operators). Fetches {@code limit} rows. */
    public Uni<List<OrderView>> selectPage(UUID customerId, Keyset after, int limit) {
        Uni<RowSet<Row>> rows;
        if (customerId != null) {
            rows = after == null
                    ? pool().preparedQuery(CUSTOMER_FIRST_PAGE).execute(Tuple.of(customerId, limit))
                    : pool().preparedQuery(CUSTOMER_NEXT_PAGE)
                            .execute(Tuple.of(customerId, limit, utc(after.createdAt()), after.id()));
        } else {
            rows = after == null
                    ? pool().preparedQuery(ALL_FIRST_PAGE).execute(Tuple.of(limit))
                    : pool().preparedQuery(ALL_NEXT_PAGE).execute(Tuple.of(limit, utc(after.createdAt()), after.id()));
        }
        return rows.map(rs -> {
            List<OrderView> page = new ArrayList<>(rs.size());
            rs.forEach(r -> page.add(map(r)));
            return page;
        });
    }

    private OrderView map(Row r) {
        try {
            return new OrderView(r.getUUID("id"), r.getUUID("customer_id"), r.getString("customer_name"),
                    r.getString("customer_email"), r.getString("status"), r.getLong("version"),
                    r.getOffsetDateTime("created_at").toInstant(), r.getOffsetDateTime("updated_at").toInstant(),
                    r.getString("currency"), r.getLong("total_cents"), json.readValue(r.getString("items"), LINES));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt items of order " + r.getUUID("id"), e);
        }
    }

    private static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}
