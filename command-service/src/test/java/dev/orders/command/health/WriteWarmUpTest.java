package dev.orders.command.health;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Test;

import dev.orders.command.Order;
import dev.orders.events.OrderStatus;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/**
 * The instance reports ready once its write path has placed and cancelled an order, and that order, its throwaway
 * customer and product and its outbox rows are never kept.
 */
@QuarkusTest
class WriteWarmUpTest {
    private static final String KEPT = """
            SELECT (SELECT count(*) FROM customers WHERE email LIKE 'warm-up-%@invalid')
                 + (SELECT count(*) FROM products WHERE name = 'warm-up')
                 + (SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id
                     WHERE c.email LIKE 'warm-up-%@invalid')
                 + (SELECT count(*) FROM outbox WHERE payload::text LIKE '%warm-up-%@invalid%') AS kept""";

    @Inject
    @Readiness
    WriteWarmUp warmUp;
    @Inject
    Pool db;

    @Test
    void readinessReportsTheWarmUpAndNothingOfItIsKept() throws Throwable {
        String ready = "http://localhost:"
                + ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class)
                + "/q/health/ready";
        Awaitility.await("the warm-up's outcome in readiness").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> JsonPath.from(given().get(ready).asString())
                        .getString("checks.find { it.name == '" + WriteWarmUp.NAME + "' }.data.outcome") != null);
        JsonPath health = JsonPath.from(given().get(ready).asString());
        assertEquals("warmed", health.getString("checks.find { it.name == '" + WriteWarmUp.NAME
                + "' }.data.outcome"), health.prettify());
        assertEquals(0L, kept(), "the start's warm-up kept nothing");

        // once more, by hand: it completes and still keeps nothing (and publishes nothing: no outbox row commits)
        Order cancelled = VertxContextSupport.subscribeAndAwait(warmUp::placeAndCancelRolledBack);
        assertEquals(OrderStatus.CANCELLED, cancelled.status, "the use cases ran: placed, then cancelled");
        assertEquals(2L, cancelled.version);
        assertEquals(0L, kept(), "a second warm-up kept nothing");
    }

    private long kept() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> db.query(KEPT).execute())
                .iterator().next().getLong("kept");
    }
}
