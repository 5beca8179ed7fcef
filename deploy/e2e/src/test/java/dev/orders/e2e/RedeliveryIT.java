package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * Redelivery on the real pipeline: every event of a set of orders is published again, newest first (older versions
 * after newer ones) and then once more in order (duplicates). The projector must ignore all of them (metric), and
 * the checker must still find the read model equal to the write model.
 */
class RedeliveryIT {

    @Test
    void duplicatesAndStaleVersionsChangeNothingAndAreCounted() throws Exception {
        String customer = Stack.newCustomer("Redelivery Test", "redeliver");
        String token = Stack.token(customer);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = Stack.post(Stack.WRITE_API + "/orders", token,
                    "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000008\",\"quantity\":1}]}");
            assertEquals(201, r.statusCode(), r.body());
            ids.add(JsonPath.from(r.body()).getString("id"));
        }
        for (int i = 0; i < ids.size(); i += 2) {
            assertEquals(200, Stack.post(Stack.WRITE_API + "/orders/" + ids.get(i) + "/pay", token, "").statusCode());
        }
        Stack.awaitConsistent(customer, Duration.ofSeconds(60));

        List<String[]> events = new ArrayList<>(); // {key, payload} in publication (seq) order
        try (Connection db = Stack.writeDb(); PreparedStatement st = db.prepareStatement(
                "SELECT aggregateid, payload::text FROM outbox WHERE aggregateid = ANY(?) ORDER BY seq")) {
            st.setArray(1, db.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    events.add(new String[] { rs.getString(1), rs.getString(2) });
                }
            }
        }
        assertEquals(45, events.size(), "30 creations + 15 payments");
        double ignoredBefore = ignored();

        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + Stack.env("KAFKA_PORT", "19092"));
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("acks", "all");
        List<String[]> newestFirst = new ArrayList<>(events);
        Collections.reverse(newestFirst);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (List<String[]> round : List.of(newestFirst, events)) {
                for (String[] e : round) {
                    producer.send(new ProducerRecord<>("orders.events.v1", e[0], e[1])).get();
                }
            }
        }

        int republished = 2 * events.size();
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> ignored() - ignoredBefore >= republished);
        assertEquals(republished, ignored() - ignoredBefore, 0.0, "every redelivered event was ignored");
        Stack.script(Map.of(), "deploy/local/check-consistency", "--customer", customer);
        Stack.script(Map.of(), "deploy/local/check-consistency", "--replica", "--customer", customer);
    }

    private static double ignored() throws Exception {
        String projector = "http://127.0.0.1:" + Stack.env("PROJECTOR_PORT", "8083");
        return Stack.counter(projector, "projector_events_ignored_total");
    }
}
