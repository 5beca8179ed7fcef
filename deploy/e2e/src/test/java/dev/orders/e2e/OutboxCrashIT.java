package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.restassured.path.json.JsonPath;

/**
 * Crash safety of the write side on the real stack: a command-service killed between commit and publish loses no
 * event, and two relaying instances together publish every outbox row exactly into the read model.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutboxCrashIT {
    static final String ADA = "c0000000-0000-4000-8000-000000000001";
    static final String BODY = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000002\",\"quantity\":1}]}";
    static Process second;

    @AfterAll
    static void restoreStack() throws Exception {
        if (second != null) {
            second.destroy();
        }
        Stack.script(Map.of(), "deploy/local/up"); // whatever happened, leave the normal stack running
    }

    @Test
    @Order(1)
    void killedBetweenCommitAndPublishTheServiceLosesNoEvent() throws Exception {
        String token = Stack.token(ADA);
        Stack.kill("command-service", false);
        // Restart with the relay switched off: accepted orders stay committed but unpublished in the outbox.
        Stack.script(Map.of("ORDERS_OUTBOX_RELAY_ENABLED", "false"),
                "deploy/local/up");
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = Stack.post(Stack.WRITE_API + "/orders", token, BODY);
            assertEquals(201, r.statusCode(), r.body());
            ids.add(UUID.fromString(JsonPath.from(r.body()).getString("id")));
        }
        assertEquals(20, unpublished(ids), "acknowledged (201) and committed, not published");

        Stack.kill("command-service", true); // SIGKILL: no shutdown hook, no last flush
        Stack.script(Map.of(), "deploy/local/up"); // normal restart: the relay drains on start

        String owner = Stack.token(ADA);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (UUID id : ids) {
                if (Stack.getStatus(Stack.READ_API + "/orders/" + id, owner) != 200) {
                    return false;
                }
            }
            return true;
        });
        assertEquals(0, unpublished(ids));
    }

    @Test
    @Order(2)
    void twoRelayingInstancesPublishEveryRowAndTheReadModelMatchesTheWriteModel() throws Exception {
        String alt = "http://127.0.0.1:" + Stack.env("ORDERS_E2E_SECOND_PORT", "8091");
        second = Stack.startSecond("command-service", alt, Map.of(
                "MP_JWT_VERIFY_PUBLICKEY_LOCATION", Stack.STATE.resolve("jwt/publicKey.pem").toString(),
                "ORDERS_SEED_DEV_DATA", "true"));

        String token = Stack.token(ADA);
        String ops = "Bearer " + Stack.script(Map.of(), "deploy/local/token", "--ops").trim();
        List<UUID> ids = new ArrayList<>();
        List<UUID> paid = new ArrayList<>();
        try (KafkaConsumer<String, String> topic = tailOrderEvents()) {
            // Every third order is paid through the other instance the moment it exists, while both relays are busy:
            // its version 2 is written while its version 1 may still wait in the outbox.
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            Semaphore inFlight = new Semaphore(16);
            for (int i = 0; i < 300; i++) {
                String base = i % 2 == 0 ? Stack.WRITE_API : alt;
                String other = i % 2 == 0 ? alt : Stack.WRITE_API;
                boolean pay = i % 3 == 0;
                inFlight.acquire();
                writes.add(Stack.postRetrying(base + "/orders", token, BODY).thenCompose(r -> {
                            assertEquals(201, r.statusCode(), r.body());
                            UUID id = UUID.fromString(JsonPath.from(r.body()).getString("id"));
                            synchronized (ids) {
                                ids.add(id);
                                if (pay) {
                                    paid.add(id);
                                }
                            }
                            return pay ? Stack.postRetrying(other + "/orders/" + id + "/pay", ops, null)
                                    .thenAccept(p -> assertEquals(200, p.statusCode(), p.body()))
                                    : CompletableFuture.completedFuture(null);
                        }).whenComplete((r, e) -> inFlight.release()));
            }
            writes.forEach(CompletableFuture::join);

            // On the topic, each paid order's version 1 comes before its version 2, whichever instance relayed them.
            Map<String, List<Long>> versions = new HashMap<>();
            Awaitility.await("all events on the topic").atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> r : topic.poll(Duration.ofMillis(200))) {
                    Matcher m = VERSION.matcher(r.value());
                    if (m.find()) {
                        versions.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Long.parseLong(m.group(1)));
                    }
                }
                return ids.stream().allMatch(id -> versions.containsKey(id.toString()))
                        && paid.stream().allMatch(id -> versions.get(id.toString()).contains(2L));
            });
            for (UUID id : paid) {
                List<Long> seen = versions.get(id.toString());
                assertTrue(seen.indexOf(1L) < seen.indexOf(2L), "order " + id + " published as " + seen);
            }
        }

        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> unpublished(ids) == 0 && readModel(ids).equals(writeModel(ids)));
        assertEquals(writeModel(ids), readModel(ids));
        assertTrue(relayed(Stack.WRITE_API) > 0 && relayed(alt) > 0, "both instances relayed rows");
    }

    private static final Pattern VERSION = Pattern.compile("\"aggregateVersion\":\\s*(\\d+)");

    /** A consumer at the current end of orders.events.v1: sees what is published from now on. */
    private static KafkaConsumer<String, String> tailOrderEvents() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + Stack.env("KAFKA_PORT", "19092"));
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        p.put("enable.auto.commit", "false");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor("orders.events.v1", Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    private static double relayed(String base) throws Exception {
        return Stack.counter(base, "outbox_relayed_total");
    }

    private static long unpublished(List<UUID> ids) throws Exception {
        try (Connection db = Stack.writeDb(); PreparedStatement st = db.prepareStatement(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND aggregateid = ANY(?)")) {
            st.setArray(1, db.createArrayOf("text", ids.stream().map(UUID::toString).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Map<UUID, String> writeModel(List<UUID> ids) throws Exception {
        try (Connection db = Stack.writeDb()) {
            return rows(db, "SELECT id, status || '/' || version || '/' || total_cents FROM orders WHERE id = ANY(?)",
                    ids);
        }
    }

    private static Map<UUID, String> readModel(List<UUID> ids) throws Exception {
        try (Connection db = Stack.replica()) {
            return rows(db, "SELECT id, status || '/' || version || '/' || total_cents FROM order_view WHERE id = ANY(?)",
                    ids);
        }
    }

    private static Map<UUID, String> rows(Connection db, String sql, List<UUID> ids) throws Exception {
        Map<UUID, String> out = new HashMap<>();
        try (PreparedStatement st = db.prepareStatement(sql)) {
            Array arr = db.createArrayOf("uuid", ids.toArray());
            st.setArray(1, arr);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getObject(1, UUID.class), rs.getString(2));
                }
            }
        }
        return out;
    }
}
