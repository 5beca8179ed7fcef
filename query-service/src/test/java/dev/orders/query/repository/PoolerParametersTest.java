package dev.orders.query.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.orders.testing.PoolerParameters;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/**
 * Through PgBouncer, no transaction of this service starts with an extra SET round trip (DateStyle 'ISO, MDY' in
 * application.properties); the control shows the driver's own 'ISO' would cost one per transaction, so the first test
 * can fail.
 */
@QuarkusTest
class PoolerParametersTest {
    @Inject
    Pool replica;
    @Inject
    @ReactiveDataSource("primary")
    Pool primary;
    @Inject
    Vertx vertx;
    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String url;
    @ConfigProperty(name = "quarkus.datasource.username")
    String user;
    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    @Test
    void noTransactionStartsWithAnExtraSet() {
        assertEquals(0, PoolerParameters.dateStyleSets(replica, 20), "replica");
        assertEquals(0, PoolerParameters.dateStyleSets(primary, 20), "read primary");
    }

    @Test
    void theDriversOwnDateStyleWouldCostOneSetPerTransaction() {
        Pool control = PoolerParameters.withDriverDefaults(vertx, url, user, password);
        try {
            assertTrue(PoolerParameters.dateStyleSets(control, 20) >= 20);
        } finally {
            control.closeAndAwait();
        }
    }
}
