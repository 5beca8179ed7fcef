package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The local stack's PgBouncer (deploy/lib/pgbouncer.sh) in front of a write Postgres that crashes and comes back:
 * <ul>
 * <li>a query that waits for a server gives up within {@code query_wait_timeout} (5 s), where PgBouncer's default
 * kept it, and the client connection it holds in a service's pool, for 120 s;</li>
 * <li>once Postgres accepts connections again, new clients are served within about {@code server_login_retry} (1 s).
 * PgBouncer's default (15 s) refused every new client for up to 15 s after the database was back.</li>
 * </ul>
 * The k8s Poolers carry the same settings (k8s PoolerFailFastTest).
 */
class PoolerFailFastIT {
    /** query_wait_timeout (5 s) and a stalled machine's margin, well under the default's 120 s. */
    static final Duration QUEUED_QUERY_FAILS_WITHIN = Duration.ofSeconds(10);
    /** server_login_retry (1 s) and a margin, under the default's 15 s. */
    static final Duration SERVED_AGAIN_WITHIN = Duration.ofSeconds(3);

    @AfterAll
    static void restoreStack() throws Exception {
        Stack.script(Map.of(), "deploy/local/up", "--infra", "--no-migrate"); // whatever happened
    }

    @Test
    void aCrashedWritePostgresFailsFastThroughPgBouncerAndARestartedOneIsUsedAtOnce() throws Exception {
        // An earlier test's outage may have left PgBouncer's pool failed: its next client is refused once
        awaitServed("PgBouncer serves the write database", Duration.ofSeconds(30));
        try (Connection before = throughBouncer()) {
            assertTrue(selectOne(before), "PgBouncer serves the write database");
            // SIGKILL: Postgres refuses connections from here on, and PgBouncer's server connections are gone
            Stack.kill("postgres-write", true);

            // A client already logged in to PgBouncer asks for a server: it waits in PgBouncer's queue (or, if a
            // connect attempt has failed already, is refused at once). Either way it must not wait long.
            long t0 = System.nanoTime();
            assertThrows(SQLException.class, () -> selectOne(before));
            Duration waited = Duration.ofNanos(System.nanoTime() - t0);
            System.out.println("PoolerFailFastIT: a query on the dead database failed after " + waited.toMillis() + " ms");
            assertTrue(waited.compareTo(QUEUED_QUERY_FAILS_WITHIN) < 0,
                    "a query waiting for a dead server failed within " + QUEUED_QUERY_FAILS_WITHIN + ": " + waited);
        }

        // Back from crash recovery: up returns once Postgres accepts connections (a few seconds, under 15 s since the
        // failed connect attempts above, so PgBouncer's default would still refuse new clients here).
        Stack.script(Map.of(), "deploy/local/up", "--infra", "--no-migrate");
        long back = System.nanoTime();
        awaitServed("a new client served through PgBouncer", SERVED_AGAIN_WITHIN);
        System.out.println("PoolerFailFastIT: served again " + (System.nanoTime() - back) / 1_000_000
                + " ms after Postgres accepted connections");
    }

    static void awaitServed(String what, Duration within) {
        Awaitility.await(what).atMost(within).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (Connection c = throughBouncer()) {
                return selectOne(c);
            }
        });
    }

    /** A JDBC connection to the write database through PgBouncer, with timeouts far above the ones asserted. */
    static Connection throughBouncer() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", Stack.env("ORDERS_DB_USER", "orders"));
        p.setProperty("password", Stack.env("ORDERS_DB_PASSWORD", "orders"));
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.setProperty("prepareThreshold", "0"); // transaction pooling: no named statements
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + Stack.env("PGBOUNCER_PORT", "16432") + "/orders_write", p);
    }

    static boolean selectOne(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("select 1")) {
            return rs.next() && rs.getInt(1) == 1;
        }
    }
}
