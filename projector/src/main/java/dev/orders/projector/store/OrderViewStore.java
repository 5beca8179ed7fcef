package dev.orders.projector.store;

import java.time.Duration;
import java.time.Instant;
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

import dev.orders.events.CatalogEvent;
import dev.orders.events.OrderEvent;
import dev.orders.events.OrderState;
import dev.orders.projector.ProjectorConfig;
import dev.orders.projector.partition.PartitionMaintenance;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Writes events into the read model on the read primary: denormalized, date-partitioned {@code order_view} rows, the
 * per-customer {@code customer_summary}, and the latest customer names ({@code customer_view}), all in one
 * transaction per batch.
 *
 * <p>The order rows of a batch are one multi-row upsert (arrays unnested server-side): one round trip however many
 * events. {@code WHERE order_view.version < EXCLUDED.version} makes it idempotent and order-insensitive: a duplicate or
 * an older version changes nothing, so redelivery after a crash is harmless. The summary is updated from the same
 * statement's before/after images, so it inherits that exactness.
 */
@ApplicationScoped
public class OrderViewStore {
    // {order_view}, {customer_summary}, {customer_view}: table names, suffixed ({sfx}) with _next when rebuilding.
    // The batch upsert lives in the read database as apply_orders (migration V8: why a function, and its statement;
    // V10: why it answers the rows an earlier delivery already wrote, applied = false).
    static final String UPSERT_ORDERS = """
            SELECT id, revision, applied
              FROM apply_orders{sfx}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""";

    static final String UPSERT_CUSTOMER = """
            INSERT INTO {customer_view} (customer_id, name, email, version) VALUES ($1, $2, $3, $4)
            ON CONFLICT (customer_id) DO UPDATE
               SET name = EXCLUDED.name, email = EXCLUDED.email, version = EXCLUDED.version
             WHERE {customer_view}.version < EXCLUDED.version
            RETURNING 1""";
    // Served by the (customer_id, created_at, id) index on every partition.
    static final String RENAME_IN_ORDERS = """
            UPDATE {order_view} SET customer_name = $2, customer_email = $3, projected_at = now(),
                                    revision = nextval('order_view_revision')
             WHERE customer_id = $1 AND (customer_name, customer_email) IS DISTINCT FROM ($2, $3)
            RETURNING id, revision""";
    /**
     * A customer change the version guard refused: the customer's orders at their stored revisions if the stored
     * customer is at this very version (an earlier delivery wrote it), none if it is newer.
     */
    static final String RENAMED_BEFORE = """
            SELECT o.id, o.revision
              FROM {order_view} o JOIN {customer_view} c ON c.customer_id = o.customer_id
             WHERE o.customer_id = $1 AND c.version = $2""";

    /**
     * What a batch changed: the order ids whose read rows are now different, with their new read-model revisions
     * (an order event or a customer rename; what the read API's caches compare); and the orders an earlier delivery of
     * the same events already wrote, at their stored revisions ({@code alreadyApplied}).
     *
     * <p>Both are announced ({@link #toAnnounce()}): a projector that committed a batch and stopped before announcing
     * it gets the batch again, and without the second map its changes would never be announced. Re-announcing an
     * order at the revision it has is harmless: tombstones and revision floors only move forward.
     */
    public record Changes(Map<UUID, Long> orders, int customers, Map<UUID, Long> alreadyApplied) {
        public Changes(Map<UUID, Long> orders, int customers) {
            this(orders, customers, Map.of());
        }

        public int applied() {
            return orders.size();
        }

        /** The orders to announce: the changed ones and those already applied, one revision per order. */
        public Map<UUID, Long> toAnnounce() {
            if (alreadyApplied.isEmpty()) {
                return orders;
            }
            Map<UUID, Long> all = new LinkedHashMap<>(alreadyApplied);
            all.putAll(orders);
            return all;
        }
    }

    private final Pool pool;
    private final ObjectMapper json;
    private final PartitionMaintenance partitions;
    /** Partitions known to exist (by first day); saves a round trip per batch in the common case. */
    private final Set<LocalDate> knownBuckets = ConcurrentHashMap.newKeySet();

    private final String orderView;
    /** Advisory lock key that orders batches against customer changes, per target (live tables or _next). */
    private final long applyLockKey;
    private final String upsertOrders;
    private final String upsertCustomer;
    private final String renameInOrders;
    private final String renamedBefore;

    public OrderViewStore(Pool pool, ObjectMapper json, PartitionMaintenance partitions,
            ProjectorConfig config) {
        this.pool = pool;
        this.json = json;
        this.partitions = partitions;
        String sfx = config.targetSuffix().orElse("");
        if (!sfx.isEmpty() && !sfx.equals("_next")) {
            throw new IllegalArgumentException("orders.projector.target-suffix must be empty or _next");
        }
        this.orderView = "order_view" + sfx;
        this.applyLockKey = ("orders.projector.apply:" + orderView).hashCode();
        this.upsertOrders = tables(UPSERT_ORDERS, sfx);
        this.upsertCustomer = tables(UPSERT_CUSTOMER, sfx);
        this.renameInOrders = tables(RENAME_IN_ORDERS, sfx);
        this.renamedBefore = tables(RENAMED_BEFORE, sfx);
    }

    /** The order view table this projector writes: {@code order_view}, or {@code order_view_next} while rebuilding. */
    public String orderViewTable() {
        return orderView;
    }

    private static String tables(String sql, String suffix) {
        return sql.replace("{sfx}", suffix)
                .replace("{order_view}", "order_view" + suffix)
                .replace("{customer_summary}", "customer_summary" + suffix)
                .replace("{customer_view}", "customer_view" + suffix);
    }

    /**
     * Whether the read database answers a trivial query now (within 2 s). Tells a batch that fails because of its
     * data (the database is fine) from one that fails because the database is not (down, restarting, unreachable).
     */
    public Uni<Boolean> databaseAnswers() {
        return pool.query("SELECT 1").execute().map(rows -> true)
                .ifNoItem().after(Duration.ofSeconds(2)).recoverWithItem(false)
                .onFailure().recoverWithItem(false);
    }

    /** {@link #apply(Collection, Collection, Collection)} of events from no particular source (tests, tools). */
    public Uni<Changes> apply(Collection<OrderEvent> orderEvents, Collection<CatalogEvent> catalogEvents) {
        return apply(orderEvents, catalogEvents, List.of());
    }

    /**
     * Applies a batch in one transaction; returns what changed (duplicates and stale versions change nothing).
     * {@code sources} names where the events came from (Kafka topic-partitions, any strings): batches of one source take
     * turns.
     *
     * <p>Why they take turns: a partition moved to another consumer (a rebalance: a pod added, removed or restarted)
     * while a batch of it was being applied is fetched again from its committed offset, so two transactions can apply
     * the same orders at once. The order rows stay right (the version guard), but the later transaction's statement read
     * the rows' previous images before the earlier one committed: an order it then updated counted as new in its
     * customer's summary, and its total was added again. Waiting for the source's lock before the statement makes its
     * snapshot include the earlier batch. Each order's events share a partition, so nothing else needs to wait.
     */
    public Uni<Changes> apply(Collection<OrderEvent> orderEvents, Collection<CatalogEvent> catalogEvents,
            Collection<String> sources) {
        if (orderEvents.isEmpty() && catalogEvents.isEmpty()) {
            return Uni.createFrom().item(new Changes(Map.of(), 0));
        }
        Instant cutoff = partitions.cutoff();
        // Older than retention: their partition was detached on purpose; do not re-create it.
        List<OrderState> rows = newestPerOrder(orderEvents).stream()
                .filter(r -> cutoff == null || !r.createdAt().isBefore(cutoff)).toList();
        String turn = turn(!catalogEvents.isEmpty(), sources);
        return ensurePartitions(rows).chain(() -> pool.withTransaction(conn -> conn.query(turn).execute().chain(() -> {
            Changes changes = new Changes(new LinkedHashMap<>(), 0, new LinkedHashMap<>());
            int[] customers = { 0 };
            Uni<Void> catalog = Multi.createFrom().iterable(catalogEvents)
                    .onItem().transformToUniAndConcatenate(e -> applyCatalog(conn, e, changes)
                            .invoke(applied -> customers[0] += applied ? 1 : 0))
                    .collect().last().replaceWithVoid();
            return catalog.chain(() -> upsertOrders(conn, rows, changes))
                    .map(v -> new Changes(changes.orders(), customers[0], changes.alreadyApplied()));
        })));
    }

    /**
     * The statement that takes the batch's turn, in one round trip. Batches of order events apply concurrently (one per
     * consumer); a batch with customer changes runs alone, so no order row is inserted with a name read before a rename
     * that commits meanwhile. Then one lock per source ({@link #apply(Collection, Collection, Collection)}: why), in
     * the two-key form (its own key space), taken in key order by every batch, so that batches waiting for each other's
     * never deadlock.
     */
    String turn(boolean customerChanges, Collection<String> sources) {
        StringBuilder sql = new StringBuilder("SELECT ")
                .append(customerChanges ? "pg_advisory_xact_lock(" : "pg_advisory_xact_lock_shared(")
                .append(applyLockKey).append(')');
        sources.stream().mapToInt(String::hashCode).distinct().sorted()
                .forEach(k -> sql.append(", pg_advisory_xact_lock(").append((int) applyLockKey).append(", ")
                        .append(k).append(')'));
        return sql.toString();
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
        Map<LocalDate, Instant> missing = new LinkedHashMap<>();
        for (OrderState r : rows) {
            LocalDate bucket = partitions.bucketStart(r.createdAt());
            if (!knownBuckets.contains(bucket)) {
                missing.putIfAbsent(bucket, r.createdAt());
            }
        }
        return Multi.createFrom().iterable(missing.entrySet())
                .onItem().transformToUniAndConcatenate(e -> ensurePartition(e.getValue())
                        .invoke(() -> knownBuckets.add(e.getKey())))
                .collect().last().replaceWithVoid();
    }

    /** Creates the partition holding {@code at} if it does not exist; returns its name. */
    public Uni<String> ensurePartition(Instant at) {
        return pool.preparedQuery("SELECT ensure_partition($1, $2)")
                .execute(Tuple.of(orderView, at.atOffset(ZoneOffset.UTC)))
                .map(rs -> rs.iterator().next().getString(0));
    }


    /** Customer changes only: product renames do not rewrite orders, which keep the name they were placed with. */
    private Uni<Boolean> applyCatalog(SqlConnection conn, CatalogEvent e, Changes changes) {
        CatalogEvent.CustomerState c = e.customer();
        if (c == null) {
            return Uni.createFrom().item(false);
        }
        return conn.preparedQuery(upsertCustomer).execute(Tuple.of(c.id(), c.name(), c.email(), c.version()))
                .chain(rs -> rs.rowCount() == 0
                        // a duplicate or a stale one; only a duplicate finds orders (Changes: why they are announced)
                        ? conn.preparedQuery(renamedBefore).execute(Tuple.of(c.id(), c.version()))
                                .invoke(rows -> revisions(rows, changes.alreadyApplied()))
                                .replaceWith(false)
                        : conn.preparedQuery(renameInOrders).execute(Tuple.of(c.id(), c.name(), c.email()))
                                .invoke(rows -> revisions(rows, changes.orders()))
                                .replaceWith(true));
    }

    private static void revisions(RowSet<Row> rows, Map<UUID, Long> into) {
        rows.forEach(r -> into.put(r.getUUID("id"), r.getLong("revision")));
    }

    private Uni<Void> upsertOrders(SqlConnection conn, List<OrderState> rows, Changes changes) {
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
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
        Tuple params = Tuple.tuple(List.<Object>of(id, createdAt, customerId, customerName, customerEmail, status,
                version, updatedAt, currency, total, itemCount, items));
        return conn.preparedQuery(upsertOrders).execute(params)
                .invoke(rs -> rs.forEach(r -> (r.getBoolean("applied") ? changes.orders() : changes.alreadyApplied())
                        .put(r.getUUID("id"), r.getLong("revision"))))
                .replaceWithVoid();
    }

    private String toJson(List<OrderState.OrderLine> lines) {
        try {
            return json.writeValueAsString(lines);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
