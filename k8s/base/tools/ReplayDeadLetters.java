import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends dead-lettered records back to the topic they came from (their dlq-original-topic header), same key, same
 * value, once their cause is fixed; the projector then applies them like any other record (its version guard makes a
 * replay of something already applied a no-op). Progress is this tool's consumer group, committed only after the
 * broker acknowledged the resent records: each dead letter is replayed once, and a record that fails again is
 * dead-lettered again, after the end this run replays to. Written with kafka-clients because the console tools cannot
 * route a record by one of its headers.
 *
 * Usage: java -cp 'kafka/libs/*' ReplayDeadLetters.java BOOTSTRAP DLQ_TOPIC GROUP [--dry-run]
 *
 * The one implementation of the replay: deploy/local/replay-dead-letters runs it on the local stack, the Job template
 * orders-replay-dead-letters (k8s/base/tools.yaml, from the ConfigMap orders-tools) in the cluster. The clients
 * authenticate as the environment says, the way Quarkus reads it for the services: each variable
 * KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_* is the client setting of its name in lower case with dots
 * (KAFKA_SASL_JAAS_CONFIG is sasl.jaas.config). Without them (the local stack) the clients connect in plaintext.
 */
public class ReplayDeadLetters {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ReplayDeadLetters BOOTSTRAP DLQ_TOPIC GROUP [--dry-run]");
            System.exit(2);
        }
        String bootstrap = args[0], dlq = args[1], group = args[2];
        boolean dryRun = args.length > 3 && args[3].equals("--dry-run");

        Properties c = security();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Properties p = security();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");

        int replayed = 0, skipped = 0;
        try (var consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(dlq, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            // Replay up to the end as it is now: what fails again and comes back is left for the next run.
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(10)));
            Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(10)) < end.get(tp))) {
                List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(2))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    String original = header(r, "dlq-original-topic");
                    String reason = header(r, "dlq-reason");
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    System.out.printf("%s %s-%d@%d key=%s reason=%s%n", original == null ? "skip" : "replay",
                            r.topic(), r.partition(), r.offset(), key, reason);
                    if (original == null) {
                        skipped++;
                    } else {
                        var out = new ProducerRecord<>(original, r.key(), r.value());
                        // the record's own headers, which the projector kept (ce_*; not its trace context), without
                        // the dlq-* ones
                        for (Header h : r.headers()) {
                            if (!h.key().startsWith("dlq-")) {
                                out.headers().add(h.key(), h.value());
                            }
                        }
                        out.headers().add("dlq-replayed-from",
                                (r.topic() + "-" + r.partition() + "@" + r.offset()).getBytes(StandardCharsets.UTF_8));
                        batch.add(out);
                    }
                    done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                replayed += batch.size();
                if (dryRun) {
                    continue;
                }
                var acks = batch.stream().map(producer::send).toList();
                producer.flush();
                for (var ack : acks) {
                    ack.get(); // every resent record acknowledged before its dead letter counts as replayed
                }
                consumer.commitSync(done);
            }
        }
        System.out.printf("%s %d dead letters%s%n", dryRun ? "would replay" : "replayed", replayed,
                skipped > 0 ? " (" + skipped + " without an original topic skipped)" : "");
    }

    /** Kafka client settings from KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_* (see the class comment). */
    static Properties security() {
        Properties props = new Properties();
        System.getenv().forEach((name, value) -> {
            if (name.equals("KAFKA_SECURITY_PROTOCOL") || name.startsWith("KAFKA_SASL_") || name.startsWith("KAFKA_SSL_")) {
                props.put(name.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), value);
            }
        });
        return props;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
