package dev.orders.command.outbox;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

import dev.orders.testing.KafkaTail;

/**
 * With the poll effectively off, a row inserted by someone else (another replica, here plain SQL) is still relayed:
 * only the NOTIFY from the outbox trigger can have woken the relay.
 */
@QuarkusTest
@TestProfile(OutboxListenerTest.NoPolling.class)
class OutboxListenerTest {
    public static class NoPolling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // no poll during the test at all: the first one would otherwise run 1 s after start
            return Map.of("orders.outbox.poll-interval", "1h", "orders.outbox.poll-delay", "1h");
        }
    }

    @Inject
    Pool db;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void notificationFromAnotherWriterWakesTheRelay() {
        String aggregate = UUID.randomUUID().toString();
        try (KafkaTail tail = new KafkaTail(bootstrap)) {
            db.preparedQuery("""
                    INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, payload, occurred_at)
                    VALUES ($1, 'Order', $2, 'OrderCreated', 1, '{"note":"inserted by another writer"}', now())""")
                    .execute(Tuple.of(UUID.randomUUID(), aggregate)).await().atMost(Duration.ofSeconds(5));
            tail.await(aggregate, Duration.ofSeconds(15));
        }
    }
}
