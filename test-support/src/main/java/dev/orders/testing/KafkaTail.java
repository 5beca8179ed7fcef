package dev.orders.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.orders.events.Topics;

/** Reads a topic (default orders.events.v1) from its current end: what gets published after the tail was opened. */
public final class KafkaTail implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;

    public KafkaTail(String bootstrap) {
        this(bootstrap, Topics.ORDER_EVENTS);
    }

    public KafkaTail(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        p.put("enable.auto.commit", "false");
        consumer = new KafkaConsumer<>(p);
        var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end offsets now
    }

    /** The first record with {@code key} published after the tail opened, or an AssertionError at the deadline. */
    public ConsumerRecord<String, String> await(String key, Duration deadline) {
        Instant until = Instant.now().plus(deadline);
        while (Instant.now().isBefore(until)) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (key.equals(r.key())) {
                    return r;
                }
            }
        }
        throw new AssertionError("no record with key " + key + " within " + deadline);
    }

    /** The first {@code n} records with {@code key}, in the order the topic holds them, or an AssertionError. */
    public List<ConsumerRecord<String, String>> await(String key, int n, Duration deadline) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        Instant until = Instant.now().plus(deadline);
        while (found.size() < n && Instant.now().isBefore(until)) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (key.equals(r.key())) {
                    found.add(r);
                }
            }
        }
        if (found.size() < n) {
            throw new AssertionError(found.size() + " of " + n + " records with key " + key + " within " + deadline);
        }
        return found.subList(0, n);
    }

    /** Keys seen until all {@code keys} arrived (or the deadline passed); returns the ones seen. */
    public Set<String> awaitAll(Set<String> keys, Duration deadline) {
        Set<String> seen = new HashSet<>();
        Instant until = Instant.now().plus(deadline);
        while (!seen.containsAll(keys) && Instant.now().isBefore(until)) {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.key()));
        }
        return seen;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
