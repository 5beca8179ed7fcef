package dev.orders.command.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.command.WriteDb;
import dev.orders.testing.DevData;
import dev.orders.testing.KafkaTail;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With a wake-up delay, the orders committed within it leave in one relay transaction: their outbox rows carry one
 * published_at (the marking transaction's now()). Without the delay each commit starts its own drain, and three
 * orders written one after another are marked by two or three transactions. The poll is off, so only the delayed
 * wake-ups can relay.
 */
@QuarkusTest
@TestProfile(OutboxWakeDelayTest.Delayed.class)
class OutboxWakeDelayTest {
    private static final Duration DELAY = Duration.ofSeconds(2);

    public static class Delayed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orders.outbox.poll-interval", "1h", "orders.outbox.poll-delay", "1h",
                    "orders.outbox.wake-delay", DELAY.toMillis() + "ms");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void ordersCommittedWithinTheDelayAreRelayedTogether() throws Exception {
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            // a first order warms the request path (a fresh application's first writes take hundreds of ms) and
            // its relay ends the wake-up window it opened, so the three below open a window of their own
            tail.await(OrderApi.create(DevData.ADA).toString(), Duration.ofSeconds(20));
            Set<String> ids = new LinkedHashSet<>();
            long started = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                ids.add(OrderApi.create(DevData.ADA).toString());
            }
            // the three commits must fall inside one delay for the claim to hold; a machine this slow proves nothing
            assumeTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(DELAY.dividedBy(2)) < 0,
                    "three writes took longer than half the wake-up delay");
            assertTrue(tail.awaitAll(ids, Duration.ofSeconds(20)).containsAll(ids), "all three relayed");
            // Kafka has the records before the relay's transaction marks them: wait for all three marks
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> marks(ids)[0] == 3);
            long[] marks = marks(ids);
            assertEquals(1, marks[1], "one relay transaction marks all three");
        }
    }

    /** How many of the orders' OrderCreated rows are marked published, and by how many transactions (now()). */
    private static long[] marks(Set<String> orderIds) throws Exception {
        try (Connection c = WriteDb.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(published_at), count(DISTINCT published_at) FROM outbox"
                        + " WHERE aggregateid = ANY(?) AND type = 'OrderCreated'")) {
            ps.setArray(1, c.createArrayOf("text", orderIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] { rs.getLong(1), rs.getLong(2) };
            }
        }
    }
}
