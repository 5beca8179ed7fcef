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
import jakarta.inject.Inject;

/**
 * The wake-up delay is a leading-edge throttle. Orders committed within it after a batch started leave in one relay
 * transaction: their outbox rows carry one published_at (the marking transaction's now()); without the delay each
 * commit starts its own drain, and three orders written one after another are marked by two or three transactions.
 * And a commit after a quiet relay is relayed at once, not a delay later; and a graceful stop relays a commit whose
 * wake-up is still pending. The poll is off, so only wake-ups relay.
 */
@QuarkusTest
@TestProfile(OutboxWakeDelayTest.Delayed.class)
class OutboxWakeDelayTest {
    private static final Duration DELAY = Duration.ofSeconds(4);

    public static class Delayed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orders.outbox.poll-interval", "1h", "orders.outbox.poll-delay", "1h",
                    "orders.outbox.wake-delay", DELAY.toMillis() + "ms");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    OutboxRelay relay;

    @Test
    void commitsWithinTheDelayLeaveTogetherAndAQuietRelaysCommitLeavesAtOnce() throws Exception {
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            Set<String> ids = writeInsideAWindow(tail, 3);
            assertTrue(tail.awaitAll(ids, Duration.ofSeconds(20)).containsAll(ids), "all three relayed");
            // Kafka has the records before the relay's transaction marks them: wait for all three marks
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> marks(ids)[0] == 3);
            assertEquals(1, marks(ids)[1], "one relay transaction marks all three");

            // once no batch started within the delay, a commit is relayed at once: before the delay has passed (the
            // trailing delay of session 39 marked it no sooner than the delay after its commit)
            Awaitility.await().atMost(DELAY.multipliedBy(3)).until(() -> relay.nanosSinceLastBatch() > DELAY.toNanos());
            Set<String> lone = Set.of(OrderApi.create(DevData.ADA).toString());
            Awaitility.await("a lone commit after a quiet moment is marked without waiting for the delay")
                    .atMost(DELAY.minusSeconds(1)).until(() -> marks(lone)[0] == 1);
        }
    }

    @Test
    void aStopRelaysTheCommitsWhoseWakeUpIsStillPending() throws Exception {
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            Set<String> pending = writeInsideAWindow(tail, 1);
            assertEquals(0, marks(pending)[0], "not relayed yet: its wake-up waits for the window's end");

            relay.finalDrain(); // what a graceful stop runs (ShutdownEvent), before the Kafka connector and pools close

            assertEquals(1, marks(pending)[0], "the stop relayed the order whose wake-up was still pending");
        }
    }

    /**
     * Writes {@code n} orders inside a relay batch's window: a first order (which also warms the request path: a fresh
     * application's first writes take hundreds of ms) is relayed, and the batch that relays it opens the window, so
     * the wake-ups of the {@code n} commits wait for its end. They must all fall inside the window (with a margin for
     * the timer) for a test to hold; a machine this slow proves nothing, and the test is skipped.
     */
    private Set<String> writeInsideAWindow(KafkaTail tail, int n) throws Exception {
        tail.await(OrderApi.create(DevData.ADA).toString(), Duration.ofSeconds(20));
        long windowUsed = relay.nanosSinceLastBatch();
        long started = System.nanoTime();
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            ids.add(OrderApi.create(DevData.ADA).toString());
        }
        long windowAtLastCommit = windowUsed + System.nanoTime() - started;
        assumeTrue(windowAtLastCommit < DELAY.toNanos() * 3 / 4, "the last of " + n + " writes came "
                + windowAtLastCommit / 1_000_000 + " ms after the first order's batch started, more than 3/4 of the"
                + " wake-up delay");
        return ids;
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
