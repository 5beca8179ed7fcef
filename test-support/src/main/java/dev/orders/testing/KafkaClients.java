package dev.orders.testing;

import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka clients for tests that publish to the stack under test as another service would. */
public final class KafkaClients {
    private KafkaClients() {
    }

    /** A producer of string keys and values that waits for all in-sync replicas. */
    public static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("acks", "all");
        return new KafkaProducer<>(p);
    }
}
