package dev.orders.command.outbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.testing.DevData;
import dev.orders.testing.StallingProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/**
 * A write database connection that stops answering without closing (a pooler gone from the network) does not stop the
 * relay: its transaction is given up after {@code orders.outbox.batch-deadline} and the next poll starts another.
 * Before, the drain waited on it for as long as TCP kept the connection, relaying nothing.
 */
@QuarkusTest
@TestProfile(OutboxRelayDeadlineTest.ThroughAStallingProxy.class)
class OutboxRelayDeadlineTest {
    /** The service reaches PgBouncer through a proxy the test can silence; short send and batch deadlines. */
    public static class ThroughAStallingProxy implements QuarkusTestProfile {
        static final StallingProxy PROXY = StallingProxy.to("127.0.0.1",
                Integer.parseInt(System.getenv().getOrDefault("PGBOUNCER_PORT", "16432")));
        static final Duration BATCH_DEADLINE = Duration.ofSeconds(3);

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + PROXY.port() + "/orders_write",
                    "orders.outbox.send-timeout", "PT1S",
                    "orders.outbox.batch-deadline", "PT" + BATCH_DEADLINE.toSeconds() + "S");
        }
    }

    @Inject
    OutboxRelay relay;
    @Inject
    Pool db;

    @Test
    void aRelayTransactionOnAConnectionThatStoppedAnsweringIsGivenUpAndTheRelayGoesOn() {
        StallingProxy proxy = ThroughAStallingProxy.PROXY;
        long stalledAt;
        try {
            proxy.stall();
            stalledAt = System.nanoTime();
            // the poll (every second) starts a batch, which hangs on the silent connection
            long firstStart = awaitBatchStartedAfter(stalledAt, ThroughAStallingProxy.BATCH_DEADLINE.plusSeconds(5));
            // ... and once it is given up, the next poll starts another, though nothing answers yet
            long secondStart = awaitBatchStartedAfter(firstStart + ThroughAStallingProxy.BATCH_DEADLINE.toNanos(),
                    ThroughAStallingProxy.BATCH_DEADLINE.plusSeconds(5));
            assertTrue(secondStart > firstStart, "a second batch started");
        } finally {
            proxy.resume();
        }
        // answering again: a write is relayed
        UUID order = OrderApi.create(DevData.ADA);
        Awaitility.await("order " + order + " relayed").atMost(Duration.ofSeconds(30))
                .until(() -> db.preparedQuery("SELECT count(*) FROM outbox WHERE aggregateid = $1 AND published_at "
                        + "IS NULL").execute(Tuple.of(order.toString())).await().atMost(Duration.ofSeconds(5))
                        .iterator().next().getLong(0) == 0);
    }

    /** When the relay's latest batch started (System.nanoTime), once that is after {@code after}. */
    private long awaitBatchStartedAfter(long after, Duration within) {
        long[] start = new long[1];
        Awaitility.await("a relay batch started").atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> {
            start[0] = System.nanoTime() - relay.nanosSinceLastBatch();
            return start[0] > after;
        });
        return start[0];
    }
}
