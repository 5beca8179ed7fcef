package dev.orders.command;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A JDBC connection straight to the write Postgres (the datasource's JDBC URL and credentials), outside the service's
 * pools: for what a test holds on its own, a table lock or another relay's lock.
 */
public final class WriteDb {
    private WriteDb() {
    }

    public static Connection connect() throws SQLException {
        Config config = ConfigProvider.getConfig();
        Properties p = new Properties();
        p.setProperty("user", config.getValue("quarkus.datasource.username", String.class));
        p.setProperty("password", config.getValue("quarkus.datasource.password", String.class));
        // Not DriverManager: registering there breaks later tests' JDBC in this JVM.
        return new org.postgresql.Driver().connect(config.getValue("quarkus.datasource.jdbc.url", String.class), p);
    }

    /** Statements waiting for a lock on {@code table}, seen through {@code c} (a test's table lock holds them). */
    public static long lockWaitsOn(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = ?::regclass")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The trace context stored with the order's {@code OrderCreated} outbox row (null: none); fails without a row. */
    public static String createdEventTraceContext(String orderId) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT trace_context::text FROM outbox WHERE aggregateid = ? AND type = 'OrderCreated'")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no OrderCreated outbox row for order " + orderId);
                }
                return rs.getString(1);
            }
        }
    }
}
