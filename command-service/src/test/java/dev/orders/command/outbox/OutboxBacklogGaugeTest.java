package dev.orders.command.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.testing.DevData;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Inject;

/**
 * The outbox gauges stay cheap with a large backlog (the count stops at its limit) and say so when they cannot
 * measure: NaN and a failure count, never the last value they had.
 */
@QuarkusTest
class OutboxBacklogGaugeTest {
    @Inject
    OutboxRelay relay;
    @Inject
    Pool db;
    @Inject
    OutboxConfig config;
    @Inject
    Vertx vertx;

    @AfterEach
    void resume() {
        relay.resume();
    }

    @Test
    void theCountStopsAtItsLimit() throws Throwable {
        relay.pause().await().atMost(Duration.ofSeconds(30));
        for (int i = 0; i < 4; i++) {
            OrderApi.create(DevData.ADA);
        }
        MeterRegistry registry = new SimpleMeterRegistry();
        OutboxMaintenance capped = new OutboxMaintenance(db, registry, withCountLimit(config, 3));
        VertxContextSupport.subscribeAndAwait(capped::measure);
        assertEquals(3.0, registry.get("outbox.backlog").gauge().value(), "at least 4 unpublished rows, counted to 3");
        double age = registry.get("outbox.oldest.unpublished.age.seconds").gauge().value();
        assertTrue(age >= 0 && age < 3600, "the oldest unpublished row's age: " + age);
        assertEquals(0.0, registry.get("outbox.backlog.probe.failures").counter().count());
    }

    @Test
    void aFailedMeasurementReadsNaNAndCountsTheFailure() throws Throwable {
        MeterRegistry registry = new SimpleMeterRegistry();
        OutboxMaintenance working = new OutboxMaintenance(db, registry, config);
        VertxContextSupport.subscribeAndAwait(working::measure);
        assertTrue(registry.get("outbox.backlog").gauge().value() >= 0, "measured");

        // a database nobody listens on: a real connection failure. No acquire timeout: Vert.x SQL client 4.5 leaves
        // that timer running when an acquire fails, and 30 s later it fails the finished request again, which Vert.x
        // logs as an uncaught "Result is already complete" (eclipse-vertx/vertx-sql-client#1706).
        Pool unreachable = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setConnectionTimeout(0))
                .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(1).setDatabase("orders_write")
                        .setUser("orders").setPassword("orders").setConnectTimeout(1000))
                .using(vertx).build();
        try {
            MeterRegistry failing = new SimpleMeterRegistry();
            OutboxMaintenance broken = new OutboxMaintenance(unreachable, failing, config);
            VertxContextSupport.subscribeAndAwait(broken::measure);
            assertTrue(Double.isNaN(failing.get("outbox.backlog").gauge().value()), "no stale value");
            assertTrue(Double.isNaN(failing.get("outbox.oldest.unpublished.age.seconds").gauge().value()));
            assertEquals(1.0, failing.get("outbox.backlog.probe.failures").counter().count());
        } finally {
            unreachable.closeAndAwait();
        }
    }

    /** {@code config} with another backlog count limit. */
    private static OutboxConfig withCountLimit(OutboxConfig config, int limit) {
        return (OutboxConfig) Proxy.newProxyInstance(OutboxConfig.class.getClassLoader(),
                new Class<?>[] { OutboxConfig.class },
                (proxy, method, args) -> "backlogCountLimit".equals(method.getName()) ? limit
                        : method.invoke(config, args));
    }
}
