package dev.orders.command.outbox;

import java.time.Duration;
import java.util.Map;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.testing.DevData;
import dev.orders.testing.KafkaTail;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With the poll effectively off, an order accepted by the API is still relayed: only its commit's wake-up
 * ({@link OutboxCommitted}) can have started the drain. Nothing else wakes the relay since NOTIFY is gone (V5).
 */
@QuarkusTest
@TestProfile(OutboxCommitWakeTest.NoPolling.class)
class OutboxCommitWakeTest {
    public static class NoPolling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // no poll during the test at all: the first one would otherwise run 1 s after start
            return Map.of("orders.outbox.poll-interval", "1h", "orders.outbox.poll-delay", "1h");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void aCommittedOrderWakesTheRelay() {
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            String id = OrderApi.create(DevData.ADA).toString();
            tail.await(id, Duration.ofSeconds(15));
        }
    }
}
