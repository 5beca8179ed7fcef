package dev.orders.query.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.orders.query.repository.OrderViewReads.Keyset;

/**
 * Every read endpoint's SQL, planned against 1M orders: index scans only (no sequential scan of any partition),
 * and the same plan shape for the first page and a deep page. The read tables are copied with their indexes into a
 * scratch schema on the real read primary (monthly partitions over two years, skewed customers), analysed, and the
 * exact statements {@link OrderViewReads} runs are EXPLAINed.
 */
class ReadPlanTest {
    static final String SCHEMA = "read_plan_check";
    static final int ORDERS = Integer.parseInt(System.getProperty("orders.plan.rows", "1000000"));
    static Connection db;
    static UUID bigCustomer;
    static Instant deepCreatedAt;
    static UUID deepId;
    /** A fragment of one product's name: matches about 1 order in 5,000, like a real search. */
    static String term;

    @BeforeAll
    static void load() throws SQLException {
        db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                + System.getenv().getOrDefault("READ_PG_PORT", "15433") + "/orders_read",
                System.getenv().getOrDefault("ORDERS_DB_USER", "orders"),
                System.getenv().getOrDefault("ORDERS_DB_PASSWORD", "orders"));
        try (Statement st = db.createStatement()) {
            st.execute("SET statement_timeout = '10min'");
            st.execute("SET maintenance_work_mem = '256MB'");
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            st.execute("CREATE SCHEMA " + SCHEMA);
            st.execute("SET search_path = " + SCHEMA + ", public");
            st.execute("CREATE TABLE order_view (LIKE public.order_view INCLUDING ALL) PARTITION BY RANGE (created_at)");
            st.execute("CREATE TABLE customer_summary (LIKE public.customer_summary INCLUDING ALL)");
            st.execute("CREATE TABLE customer_view (LIKE public.customer_view INCLUDING ALL)");
            st.execute("""
                    DO $$ BEGIN FOR m IN 0..24 LOOP
                      EXECUTE format('CREATE TABLE order_view_p%s PARTITION OF order_view FOR VALUES FROM (%L) TO (%L)',
                        m, timestamptz '2024-01-01 00:00Z' + make_interval(months => m),
                        timestamptz '2024-01-01 00:00Z' + make_interval(months => m + 1));
                    END LOOP; END $$""");
            // 20,000 customers, skewed (customer number floor(20000 * r^3)): a few have tens of thousands of orders.
            st.execute("""
                    INSERT INTO order_view (id, created_at, customer_id, customer_name, customer_email, status, version,
                                            updated_at, currency, total_cents, item_count, items)
                    SELECT gen_random_uuid(), t, ('00000000-0000-4000-8000-' || lpad(c::text, 12, '0'))::uuid,
                           'Customer ' || c, 'c' || c || '@example.com',
                           (ARRAY['PENDING','PAID','SHIPPED','DELIVERED','DELIVERED','DELIVERED','CANCELLED'])[1 + g % 7],
                           1, t, 'EUR', 1000 + g % 50000, 2,
                           jsonb_build_array(jsonb_build_object('name',
                               'Gadget ' || substr(md5((g % 5000)::text), 1, 10), 'quantity', 2))
                      FROM (SELECT g, floor(20000 * power(random(), 3))::int AS c,
                                   timestamptz '2024-01-01 00:00Z' + random() * interval '761 days' AS t
                              FROM generate_series(1, {rows}) g) s""".replace("{rows}", Integer.toString(ORDERS)));
            st.execute("INSERT INTO customer_summary (customer_id, order_count, lifetime_total_cents) "
                    + "SELECT customer_id, count(*), sum(total_cents) FROM order_view GROUP BY 1");
            st.execute("ANALYZE order_view");
            st.execute("ANALYZE customer_summary");
            try (ResultSet rs = st.executeQuery("SELECT substr(md5('4242'), 1, 8)")) {
                rs.next();
                term = rs.getString(1);
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT customer_id FROM customer_summary ORDER BY order_count DESC LIMIT 1")) {
                rs.next();
                bigCustomer = rs.getObject(1, UUID.class);
            }
            try (ResultSet rs = st.executeQuery("SELECT created_at, id FROM order_view WHERE customer_id = '"
                    + bigCustomer + "' ORDER BY created_at DESC, id DESC OFFSET 10000 LIMIT 1")) {
                rs.next();
                deepCreatedAt = rs.getObject(1, OffsetDateTime.class).toInstant();
                deepId = rs.getObject(2, UUID.class);
            }
        }
    }

    @AfterAll
    static void drop() throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
        db.close();
    }

    @Test
    void customersPagesUseTheKeysetIndexAndTheDeepPageHasThePageOnePlan() throws SQLException {
        OrderFilter f = new OrderFilter(bigCustomer, List.of(), null, null, null);
        String p1 = sameGenericPlanShape(f);
        assertTrue(p1.contains("Index Cond: ((customer_id = $1)"), p1);
    }

    @Test
    void operatorsAllOrdersPagesUseTheTimeIndex() throws SQLException {
        OrderFilter f = new OrderFilter(null, List.of(), null, null, null);
        String p1 = sameGenericPlanShape(f);
        assertTrue(p1.contains("Index Cond: ((created_at >="), p1);
    }

    @Test
    void statusAndDateFiltersUseIndexesAndPruneOutsideTheirRange() throws SQLException {
        OrderFilter f = new OrderFilter(bigCustomer, List.of("PENDING", "PAID"),
                Instant.parse("2024-03-01T00:00:00Z"), Instant.parse("2025-09-01T00:00:00Z"), null);
        String p1 = sameGenericPlanShape(f);
        // one plan for all values, and the partitions outside the dates are skipped when it runs, not when planned
        assertTrue(p1.contains("Subplans Removed"), p1);
    }

    @Test
    void listsRunTheFunctionWhosePlanTheSessionKeeps() {
        OrderFilter f = new OrderFilter(bigCustomer, List.of(), null, null, null);
        assertTrue(OrderViewReads.pageQuery(f, deep(), 21).sql().contains("order_page("));
    }

    /**
     * The statement order_page runs for {@code f}, as the database holds it, planned once as a generic plan (what
     * the function's session keeps: {@code plan_cache_mode = force_generic_plan}) and EXPLAINed for page 1 and for a
     * deep page: index scans only, the same shape for both. Returns page 1's plan.
     */
    private static String sameGenericPlanShape(OrderFilter f) throws SQLException {
        String statement = orderPageStatements().get(f.customerId() != null ? 0 : 1);
        String p1;
        String pd;
        try (Statement st = db.createStatement()) {
            st.execute("SET search_path = " + SCHEMA + ", public");
            st.execute("DEALLOCATE ALL");
            st.execute("PREPARE page (uuid, text[], timestamptz, timestamptz, timestamptz, uuid, int) AS " + statement);
            st.execute("SET plan_cache_mode = force_generic_plan");
            p1 = explain(st, "EXPLAIN EXECUTE page(" + args(f, null) + ")");
            pd = explain(st, "EXPLAIN EXECUTE page(" + args(f, deep()) + ")");
            st.execute("RESET plan_cache_mode");
            st.execute("DEALLOCATE page");
        }
        assertNoSeqScan(p1);
        assertNoSeqScan(pd);
        assertTrue(p1.contains("Index Scan"), p1);
        assertEquals(shape(p1), shape(pd), "page 1:\n" + p1 + "\ndeep page:\n" + pd);
        return p1;
    }

    /** The RETURN QUERY statements of order_page (customer first, then all customers), its variables as $1..$7. */
    static List<String> orderPageStatements() throws SQLException {
        String src;
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT prosrc FROM pg_proc WHERE proname = 'order_page'")) {
            assertTrue(rs.next(), "order_page exists");
            src = rs.getString(1);
        }
        List<String> out = new ArrayList<>();
        for (String part : src.split("RETURN QUERY")) {
            if (!part.strip().startsWith("SELECT")) {
                continue;
            }
            out.add(part.substring(0, part.indexOf(';'))
                    .replaceAll("\\bp_customer\\b", "\\$1").replaceAll("\\bp_statuses\\b", "\\$2")
                    .replaceAll("\\blo\\b", "coalesce(\\$3, '-infinity')")
                    .replaceAll("\\bhi\\b", "coalesce(\\$4, 'infinity')")
                    .replaceAll("\\bafter_at\\b", "coalesce(\\$5, 'infinity')")
                    .replaceAll("\\bafter_id\\b", "coalesce(\\$6, 'ffffffff-ffff-ffff-ffff-ffffffffffff')")
                    .replaceAll("\\bp_limit\\b", "\\$7"));
        }
        assertEquals(2, out.size(), "two statements in order_page:\n" + src);
        return out;
    }

    private static String args(OrderFilter f, Keyset after) {
        return lit(f.customerId(), "uuid") + ", "
                + (f.statuses().isEmpty() ? "NULL" : "ARRAY['" + String.join("','", f.statuses()) + "']") + ", "
                + lit(f.from(), "timestamptz") + ", " + lit(f.to(), "timestamptz") + ", "
                + lit(after == null ? null : after.createdAt(), "timestamptz") + ", "
                + lit(after == null ? null : after.id(), "uuid") + ", 21";
    }

    private static String lit(Object v, String type) {
        return v == null ? "NULL" : "'" + v + "'::" + type;
    }

    private static String explain(Statement st, String sql) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }

    @Test
    void searchUsesTheTrigramIndexForOperatorsAndTheCustomerIndexForCustomers() throws SQLException {
        String ops = plan(OrderViewReads.pageQuery(new OrderFilter(null, List.of(), null, null, term), null,
                21));
        assertTrue(ops.contains("search_text"), ops);
        assertNoSeqScan(ops);
        assertNoSeqScan(plan(OrderViewReads.pageQuery(
                new OrderFilter(bigCustomer, List.of(), null, null, term), null, 21)));
    }

    @Test
    void lookupByIdPrunesToOnePartitionAndSummaryUsesItsKey() throws SQLException {
        String byId = plan(new OrderViewReads.Query(OrderViewReads.BY_ID,
                List.of(deepId, OrderViewReads.utc(deepCreatedAt))));
        assertNoSeqScan(byId);
        assertEquals(1, byId.lines().filter(l -> l.contains("Index Scan") || l.contains("Index Only Scan")).count(),
                "one partition touched:\n" + byId);
        assertNoSeqScan(plan(new OrderViewReads.Query(OrderViewReads.SUMMARY, List.of(bigCustomer))));
    }

    @Test
    void controlTheCheckSeesASequentialScan() throws SQLException {
        assertTrue(plan(new OrderViewReads.Query("SELECT * FROM order_view WHERE total_cents = $1", List.of(5L)))
                .contains("Seq Scan"));
    }

    private static Keyset deep() {
        return new Keyset(deepCreatedAt, deepId);
    }

    /** Node types in plan order, without costs, relation names, repeated partition children or Appends. */
    private static List<String> shape(String plan) {
        List<String> nodes = new ArrayList<>();
        for (String line : plan.lines().toList()) {
            String l = line.strip().replaceFirst("^->\\s*", "");
            int cost = l.indexOf("  (cost=");
            if (cost < 0) {
                continue;
            }
            nodes.add(l.substring(0, cost).replaceAll("\\s+(on|using)\\s.*", ""));
        }
        // An Append over partitions disappears when a deep page's cursor prunes all but one: not a different plan.
        return nodes.stream().filter(n -> !n.equals("Append") && !n.equals("Merge Append")).distinct().toList();
    }

    private static void assertNoSeqScan(String plan) {
        assertFalse(plan.contains("Seq Scan"), "sequential scan:\n" + plan);
    }

    private static String plan(OrderViewReads.Query q) throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("SET search_path = " + SCHEMA + ", public");
        }
        if (q.inlinable()) { // exactly the text the service sends (values as literals, one simple query)
            try (Statement st = db.createStatement()) {
                return explain(st, "EXPLAIN " + q.inline());
            }
        }
        // JDBC parameters are positional: each $n occurrence becomes one ?, bound to params[n - 1] (a statement may
        // use the same $n twice).
        List<Object> bound = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$(\\d+)").matcher(q.sql());
        while (m.find()) {
            bound.add(q.params().get(Integer.parseInt(m.group(1)) - 1));
        }
        String sql = q.sql().replaceAll("\\$(\\d+)", "?");
        try (PreparedStatement ps = db.prepareStatement("EXPLAIN " + sql)) {
            for (int i = 0; i < bound.size(); i++) {
                Object p = bound.get(i);
                if (p instanceof String[] arr) {
                    ps.setArray(i + 1, db.createArrayOf("text", arr));
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            StringBuilder out = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.append(rs.getString(1)).append('\n');
                }
            }
            return out.toString();
        }
    }
}
