package dev.orders.query;

import java.util.Map;

import org.flywaydb.core.Flyway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Applies the projector's read-model migrations to the real read primary before query-service tests start, so this
 * module's tests do not depend on the projector having run first.
 */
public class ReadSchema implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String port = System.getenv().getOrDefault("READ_PG_PORT", "15433");
        Flyway.configure()
                .dataSource("jdbc:postgresql://127.0.0.1:" + port + "/orders_read",
                        System.getenv().getOrDefault("ORDERS_DB_USER", "orders"),
                        System.getenv().getOrDefault("ORDERS_DB_PASSWORD", "orders"))
                .locations("classpath:db/read-migration")
                // the projector's setting (orders.partitions.unit): monthly partitions
                .placeholders(Map.of("partition_unit", "month"))
                .load().migrate();
        return Map.of();
    }

    @Override
    public void stop() {
        // the schema stays: it belongs to the read database, not to this test run
    }
}
