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
import dev.orders.query.ListedOrder;
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
    // Timestamps as microseconds since the epoch: the pg client decodes a text timestamptz with
    // OffsetDateTime.parse, 6.9 % of a page's CPU samples (session 12's profile); a text int8 is a Long.parseLong.
    // The benchmark's limits select the same columns (BenchStatementsTest).
    static final String COLUMNS = "id, customer_id, customer_name, customer_email, status, version, "
            + "(extract(epoch FROM created_at) * 1000000)::int8 AS created_us, "
            + "(extract(epoch FROM updated_at) * 1000000)::int8 AS updated_us, "
            + "currency, total_cents, items::text AS items, revision";
    // COLUMNS' positions (order_page returns the same columns in the same order): a look-up by name was 3 % of a
    // page's CPU samples.
    private static final int ID = 0, CUSTOMER_ID = 1, CUSTOMER_NAME = 2, CUSTOMER_EMAIL = 3, STATUS = 4, VERSION = 5,
            CREATED_AT = 6, UPDATED_AT = 7, CURRENCY = 8, TOTAL_CENTS = 9, ITEMS = 10, REVISION = 11;
    // created_at = the id's timestamp: prunes the lookup to a single partition.
    static final String BY_ID = "SELECT " + COLUMNS + " FROM order_view WHERE id = $1 AND created_at = $2";
    static final String SUMMARY = """
            SELECT s.order_count, s.lifetime_total_cents, s.last_order_at, c.name
              FROM customer_summary s LEFT JOIN customer_view c ON c.customer_id = s.customer_id
             WHERE s.customer_id = $1""";
    /** How far ahead of now an order's creation may lie: the projector's accepted window (1 day ahead). */
    private static final java.time.Duration LATEST_CREATION = java.time.Duration.ofDays(1);
    private static final TypeReference<List<OrderView.Line>> LINES = new TypeReference<>() {
    };

    /** A customer's aggregate figures, maintained by the projector. */
    public record CustomerSummary(UUID customerId, String name, long orderCount, long lifetimeTotalCents,
            Instant lastOrderAt) {
    }

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
        Instant created = id.version() == 7 ? OrderIds.timestampOf(id) : null;
        if (created == null || created.isAfter(Instant.now().plus(LATEST_CREATION))) {
            // not an order id this platform issued, or dated later than the projector accepts an order (its window
            // ends a day ahead): no row can have it (and the last v7 times are beyond a timestamptz literal)
            return Uni.createFrom().item(Optional.empty());
        }
        return run(new Query(BY_ID, List.of(id, utc(created))))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(map(rows.iterator().next())));
    }

    /**
     * Newest first, keyset-paginated on (created_at, id), one statement. Lists run {@code order_page}, whose plan each
     * database session keeps (see its migration: planning over every partition used to cost more than running it);
     * with a customer it walks the (customer_id, created_at, id) index, without, the (created_at, id) index. A text
     * term uses the trigram index in a statement planned per call, over the partitions its date range leaves.
     * Fetches at most {@code limit} rows.
     */
    public Uni<List<ListedOrder>> selectPage(OrderFilter f, Keyset after, int limit) {
        return run(pageQuery(f, after, limit)).map(rs -> {
            List<ListedOrder> page = new ArrayList<>(rs.size());
            rs.forEach(r -> page.add(new ListedOrder(r.getUUID(ID), r.getUUID(CUSTOMER_ID), r.getString(CUSTOMER_NAME),
                    r.getString(CUSTOMER_EMAIL), r.getString(STATUS), r.getLong(VERSION), instant(r, CREATED_AT),
                    instant(r, UPDATED_AT), r.getString(CURRENCY), r.getLong(TOTAL_CENTS), r.getString(ITEMS))));
            return page;
        });
    }

    /** A statement and its parameters. */
    public record Query(String sql, List<Object> params) {
        /** Whether it runs as one simple-protocol query with its values as literals ({@link SqlLiterals}). */
        public boolean inlinable() {
            return SqlLiterals.inlinable(params);
        }

        /** The statement with its values as literals: what {@link #run} sends when {@link #inlinable()}. */
        public String inline() {
            return SqlLiterals.inline(sql, params);
        }
    }

    /**
     * One round trip: typed values go inline as literals (a simple-protocol query); a statement carrying a client's
     * free text (a search term) keeps it as a parameter and costs the extended protocol's two.
     */
    private Uni<RowSet<Row>> run(Query q) {
        return classified(q.inlinable() ? pool().query(q.inline()).execute()
                : pool().preparedQuery(q.sql()).execute(Tuple.from(q.params())));
    }

    // COLUMNS, not *: the rows are read by position, and order_page's own column order belongs to the projector's
    // migrations (items::text is a no-op on its text column)
    static final String ORDER_PAGE = "SELECT " + COLUMNS + " FROM order_page($1, $2, $3, $4, $5, $6, $7)";

    /** The one statement a page of {@code f} runs (public so EXPLAIN tests check exactly what is served). */
    public static Query pageQuery(OrderFilter f, Keyset after, int limit) {
        if (f.text() == null) {
            return new Query(ORDER_PAGE, java.util.Arrays.asList(f.customerId(),
                    f.statuses().isEmpty() ? null : f.statuses().toArray(String[]::new),
                    f.from() == null ? null : utc(f.from()), f.to() == null ? null : utc(f.to()),
                    after == null ? null : utc(after.createdAt()), after == null ? null : after.id(), limit));
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM order_view WHERE true");
        List<Object> params = new ArrayList<>();
        if (f.customerId() != null) {
            params.add(f.customerId());
            sql.append(" AND customer_id = $").append(params.size());
        }
        if (!f.statuses().isEmpty()) {
            params.add(f.statuses().toArray(String[]::new));
            sql.append(" AND status = ANY($").append(params.size()).append(")");
        }
        if (f.from() != null) {
            params.add(utc(f.from()));
            sql.append(" AND created_at >= $").append(params.size());
        }
        if (f.to() != null) {
            params.add(utc(f.to()));
            sql.append(" AND created_at < $").append(params.size());
        }
        params.add("%" + f.text().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        sql.append(" AND search_text LIKE $").append(params.size());
        if (after != null) {
            params.add(utc(after.createdAt()));
            params.add(after.id());
            sql.append(" AND (created_at, id) < ($").append(params.size() - 1).append(", $").append(params.size())
                    .append(")");
            // Implied by the row comparison, but the planner prunes partitions only on a plain range predicate:
            // a deep page skips every partition newer than its cursor instead of probing each one's index.
            sql.append(" AND created_at <= $").append(params.size() - 1);
        }
        params.add(limit);
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT $").append(params.size());
        return new Query(sql.toString(), params);
    }

    /**
     * A statement Postgres refused because of what the client sent (SQLSTATE class 22, data exception: an invalid
     * byte sequence, a value out of range): the client's error (400), not a database failure, so no breaker counts it.
     */
    public static final class RejectedInput extends RuntimeException {
        RejectedInput(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * The read schema is not there (SQLSTATE 42P01 undefined table, 42883 undefined function, 3F000 undefined schema):
     * the projector, which migrates the read database, has not run against it yet. A dependency that is not ready
     * (503), not a bug in this service (500).
     */
    public static final class ReadSchemaMissing extends RuntimeException {
        ReadSchemaMissing(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static <T> Uni<T> classified(Uni<T> call) {
        return call.onFailure().transform(e -> {
            if (e instanceof io.vertx.pgclient.PgException pg && pg.getSqlState() != null) {
                String state = pg.getSqlState();
                if (state.startsWith("22")) {
                    return new RejectedInput(e);
                }
                if (state.equals("42P01") || state.equals("42883") || state.equals("3F000")) {
                    return new ReadSchemaMissing(e);
                }
            }
            return e;
        });
    }

    public Uni<Optional<CustomerSummary>> selectSummary(UUID customerId) {
        return run(new Query(SUMMARY, List.of(customerId))).map(rs -> {
            if (rs.size() == 0) {
                return Optional.empty();
            }
            Row r = rs.iterator().next();
            return Optional.of(new CustomerSummary(customerId, r.getString("name"), r.getLong("order_count"),
                    r.getLong("lifetime_total_cents"),
                    r.getOffsetDateTime("last_order_at") == null ? null : r.getOffsetDateTime("last_order_at").toInstant()));
        });
    }

    private OrderView map(Row r) {
        try {
            return new OrderView(r.getUUID(ID), r.getUUID(CUSTOMER_ID), r.getString(CUSTOMER_NAME),
                    r.getString(CUSTOMER_EMAIL), r.getString(STATUS), r.getLong(VERSION), instant(r, CREATED_AT),
                    instant(r, UPDATED_AT), r.getString(CURRENCY), r.getLong(TOTAL_CENTS),
                    json.readValue(r.getString(ITEMS), LINES), r.getLong(REVISION));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt items of order " + r.getUUID(ID), e);
        }
    }

    private static Instant instant(Row r, int column) {
        long micros = r.getLong(column);
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }
}
