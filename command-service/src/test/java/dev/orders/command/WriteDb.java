package dev.orders.command;

import java.sql.Connection;
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
}
