package dev.orders.command;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.orders.command.idempotency.IdempotencyService;
import dev.orders.command.outbox.OutboxMaintenance;
import dev.orders.command.outbox.OutboxRelay;

/**
 * The write side's hot queries must use indexes at realistic row counts. The tables are copied (with their indexes)
 * into a scratch schema on the real write Postgres, filled to 100k orders / 300k items / 100k outbox rows / 50k
 * idempotency keys, analysed, and every query's plan is checked for sequential scans on those tables.
 */
class HotQueryPlanTest {
    static final String SCHEMA = "plan_check";
    static final List<String> BIG_TABLES = List.of("orders", "order_items", "outbox", "idempotency_keys", "customers",
            "products");
    static Connection db;

    @BeforeAll
    static void load() throws SQLException {
        String port = System.getenv().getOrDefault("WRITE_PG_PORT", "15432");
        db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/orders_write",
                System.getenv().getOrDefault("ORDERS_DB_USER", "orders"),
                System.getenv().getOrDefault("ORDERS_DB_PASSWORD", "orders"));
        try (Statement st = db.createStatement()) {
            st.execute("SET statement_timeout = '120s'");
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            st.execute("CREATE SCHEMA " + SCHEMA);
            for (String t : BIG_TABLES) {
                st.execute("CREATE TABLE " + SCHEMA + "." + t + " (LIKE public." + t + " INCLUDING ALL)");
            }
            st.execute("SET search_path = " + SCHEMA);
            st.execute("""
                    INSERT INTO customers (id, name, email)
                    SELECT gen_random_uuid(), 'c' || g, 'c' || g || '@example.com' FROM generate_series(1, 20000) g""");
            st.execute("""
                    INSERT INTO products (id, name, price_cents, currency)
                    SELECT gen_random_uuid(), 'p' || g, 100 + g, 'EUR' FROM generate_series(1, 5000) g""");
            st.execute("""
                    INSERT INTO orders (id, customer_id, status, version, currency, total_cents, created_at, updated_at)
                    SELECT gen_random_uuid(), c.id, 'PENDING', 1, 'EUR', 1000, now(), now()
                      FROM generate_series(1, 100000) g
                      JOIN (SELECT id, row_number() OVER () AS n FROM customers) c ON c.n = 1 + g % 20000""");
            st.execute("""
                    INSERT INTO order_items (id, order_id, line_no, product_id, product_name, quantity, unit_price_cents)
                    SELECT gen_random_uuid(), o.id, l, p.id, 'p', 1, 100
                      FROM orders o CROSS JOIN generate_series(1, 3) l
                      JOIN LATERAL (SELECT id FROM products OFFSET (l * 7) % 5000 LIMIT 1) p ON true""");
            st.execute("""
                    INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, payload, occurred_at,
                                        published_at)
                    SELECT gen_random_uuid(), 'Order', id::text, 'OrderCreated', 1, '{}', now(),
                           CASE WHEN random() < 0.99 THEN now() END
                      FROM orders""");
            st.execute("""
                    INSERT INTO idempotency_keys (principal, idem_key, request_hash, state, locked_at, expires_at)
                    SELECT 'p' || (g % 1000), 'k' || g, 'h', 'COMPLETED', now(), now() + interval '1 day'
                      FROM generate_series(1, 50000) g""");
            for (String t : BIG_TABLES) {
                st.execute("ANALYZE " + t);
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

    record HotQuery(String name, String sql, String args) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<HotQuery> hotQueries() {
        String anOrder = "(SELECT id FROM orders LIMIT 1)";
        String aCustomer = "(SELECT customer_id FROM orders LIMIT 1)";
        return List.of(
                new HotQuery("order with items (join fetch)", """
                        SELECT o.*, i.* FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id = $1""",
                        anOrder),
                new HotQuery("order with items, locked for a transition", """
                        SELECT o.*, i.* FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id = $1
                           FOR NO KEY UPDATE OF o""", anOrder),
                new HotQuery("products of an order", "SELECT * FROM products WHERE id = ANY($1)",
                        "ARRAY(SELECT id FROM products LIMIT 3)"),
                new HotQuery("customer by id", "SELECT * FROM customers WHERE id = $1", aCustomer),
                new HotQuery("customer's orders, newest first",
                        "SELECT id FROM orders WHERE customer_id = $1 ORDER BY id DESC LIMIT 20", aCustomer),
                new HotQuery("products page (keyset)",
                        "SELECT * FROM products WHERE active = true AND id > $1 ORDER BY id LIMIT 20",
                        "(SELECT id FROM products LIMIT 1)"),
                new HotQuery("outbox: claim batch", OutboxRelay.CLAIM_BATCH, "200"),
                new HotQuery("outbox: mark published", OutboxRelay.MARK_PUBLISHED,
                        "ARRAY(SELECT id FROM outbox LIMIT 200)"),
                new HotQuery("outbox: backlog gauge (counted to its limit)", OutboxMaintenance.BACKLOG, "100000"),
                new HotQuery("outbox: retention purge", OutboxMaintenance.PURGE, "604800; 5000"),
                new HotQuery("idempotency: existing key", IdempotencyService.EXISTING, "'p1'; 'k1001'"),
                new HotQuery("idempotency: release", IdempotencyService.RELEASE, "'p1'; 'k1001'"),
                new HotQuery("idempotency: claim", IdempotencyService.CLAIM, "'p1'; 'k1'; 'h'; 86400; 60"),
                new HotQuery("idempotency: purge", IdempotencyService.PURGE_EXPIRED, "5000"));
    }

    /** EXECUTE takes no subqueries: evaluate each argument expression to a quoted literal first. */
    private static String literals(Statement st, String args) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT " + String.join(", ",
                java.util.Arrays.stream(args.split(";")).map(a -> "quote_nullable((" + a + ")::text)").toList()))) {
            rs.next();
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                out.add(rs.getString(i));
            }
            return String.join(", ", out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hotQueries")
    void usesIndexesNotSequentialScans(HotQuery q) throws SQLException {
        String text = plan(q);
        for (String t : BIG_TABLES) {
            assertFalse(text.matches("(?s).*Seq Scan on " + t + "\\b.*"), q.name() + " scans " + t + ":\n" + text);
        }
    }

    /** Control: the check does see a sequential scan when a query filters on an unindexed column. */
    @org.junit.jupiter.api.Test
    void detectsASequentialScan() throws SQLException {
        assertTrue(plan(new HotQuery("unindexed filter", "SELECT * FROM orders WHERE total_cents = $1", "5"))
                .contains("Seq Scan on orders"));
    }

    private static String plan(HotQuery q) throws SQLException {
        List<String> plan = new ArrayList<>();
        try (Statement st = db.createStatement()) {
            st.execute("BEGIN"); // EXPLAIN ANALYZE of writes is rolled back
            st.execute("SET LOCAL search_path = " + SCHEMA);
            st.execute("PREPARE hot AS " + q.sql());
            try (ResultSet rs = st.executeQuery("EXPLAIN EXECUTE hot" + (q.args() == null ? "" : "(" + literals(st, q.args()) + ")"))) {
                while (rs.next()) {
                    plan.add(rs.getString(1));
                }
            } finally {
                st.execute("ROLLBACK");
                st.execute("DEALLOCATE ALL");
            }
        }
        assertTrue(!plan.isEmpty(), "a plan");
        return String.join("\n", plan);
    }
}
