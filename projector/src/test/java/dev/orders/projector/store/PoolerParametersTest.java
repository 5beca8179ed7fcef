package dev.orders.projector.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.orders.testing.PoolerParameters;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/**
 * Through PgBouncer, no transaction of this service starts with an extra SET round trip (DateStyle 'ISO, MDY' in
 * application.properties). query-service's PoolerParametersTest holds the control: the driver's own 'ISO' costs one
 * SET per transaction, so this assertion can fail.
 */
@QuarkusTest
class PoolerParametersTest {
    @Inject
    Pool pool;

    @Test
    void noTransactionStartsWithAnExtraSet() {
        assertEquals(0, PoolerParameters.dateStyleSets(pool, 20));
    }
}
