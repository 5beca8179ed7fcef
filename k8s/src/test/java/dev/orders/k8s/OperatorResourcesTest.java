package dev.orders.k8s;

import static dev.orders.k8s.Manifests.REPO;
import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.name;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the operators' custom resources in an overlay must say, since their pods are not rendered here: resources,
 * pinned images, transaction pooling, replicas for the read side; and the same topics in every environment.
 */
class OperatorResourcesTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void operatorManagedPodsDeclareResourcesAndPinnedImages(String dir) {
        List<Map<String, Object>> docs = render(dir);
        for (Map<String, Object> cluster : ofKind(docs, "Cluster")) {
            Map<String, Object> spec = map(cluster, "spec");
            assertResources(describe(cluster), map(spec, "resources"));
            assertPinned(describe(cluster), String.valueOf(spec.get("imageName")));
            assertTrue(Manifests.integer(spec.get("instances"), 1) >= 3, describe(cluster) + ": a primary and 2 replicas");
        }
        for (Map<String, Object> pooler : ofKind(docs, "Pooler")) {
            Map<String, Object> spec = map(pooler, "spec");
            assertEquals("transaction", map(spec, "pgbouncer").get("poolMode"), describe(pooler) + ": transaction pooling");
            assertTrue(Manifests.integer(spec.get("instances"), 1) >= 2, describe(pooler) + ": 2+ instances");
            Map<String, Object> pgbouncer = list(map(map(spec, "template"), "spec"), "containers").stream()
                    .filter(c -> "pgbouncer".equals(c.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError(describe(pooler) + ": template container pgbouncer"));
            assertResources(describe(pooler), map(pgbouncer, "resources"));
            assertPinned(describe(pooler), String.valueOf(pgbouncer.get("image")));
        }
        for (Map<String, Object> pool : ofKind(docs, "KafkaNodePool")) {
            assertResources(describe(pool), map(map(pool, "spec"), "resources"));
        }
        for (Map<String, Object> kafka : ofKind(docs, "Kafka")) {
            Object version = map(map(kafka, "spec"), "kafka").get("version");
            assertNotNull(version, describe(kafka) + ": Kafka version pinned");
            // the other pods Strimzi runs for the cluster: Topic and User Operator, Kafka Exporter
            Map<String, Object> entityOperator = map(map(kafka, "spec"), "entityOperator");
            for (String part : List.of("topicOperator", "userOperator")) {
                if (entityOperator.containsKey(part)) {
                    assertResources(describe(kafka) + " " + part, map(map(entityOperator, part), "resources"));
                }
            }
            if (map(kafka, "spec").containsKey("kafkaExporter")) {
                assertResources(describe(kafka) + " kafkaExporter", map(map(map(kafka, "spec"), "kafkaExporter"),
                        "resources"));
            }
        }
    }

    /** Every container image of every overlay has an explicit tag (or digest), never latest. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void everyImageIsPinned(String dir) {
        for (Map.Entry<Map<String, Object>, Map<String, Object>> w : Manifests.workloads(render(dir))) {
            for (Map<String, Object> c : Manifests.containers(w.getValue())) {
                assertPinned(describe(w.getKey()) + "/" + c.get("name"), String.valueOf(c.get("image")));
            }
        }
    }

    /**
     * The topics of the local stack (deploy/lib/common.sh), of the dev Job and of prod's KafkaTopics are the same, with
     * the same partitions and the same explicit retention (retention.ms) each.
     */
    @Test
    void everyEnvironmentHasTheSameTopics() throws Exception {
        String common = Files.readString(REPO.resolve("deploy/lib/common.sh"), StandardCharsets.UTF_8);
        Matcher list = Pattern.compile("KAFKA_TOPICS=\\(([^)]*)\\)").matcher(common);
        assertTrue(list.find(), "KAFKA_TOPICS in deploy/lib/common.sh");
        Map<String, Integer> local = new TreeMap<>();
        for (String spec : list.group(1).replace("\"", "").trim().split("\\s+")) {
            local.put(spec.substring(0, spec.lastIndexOf(':')), Integer.parseInt(spec.substring(spec.lastIndexOf(':') + 1)));
        }
        assertFalse(local.isEmpty());

        Map<String, Integer> dev = new TreeMap<>();
        String script = Files.readString(REPO.resolve("k8s/overlays/dev/config/create-topics.sh"), StandardCharsets.UTF_8);
        Matcher create = Pattern.compile("(?m)^create (\\S+) (\\d+)").matcher(script);
        while (create.find()) {
            dev.put(create.group(1), Integer.parseInt(create.group(2)));
        }
        assertEquals(local, dev, "dev kafka-topics Job");

        Map<String, Integer> prod = new TreeMap<>();
        for (Map<String, Object> t : ofKind(render("k8s/overlays/prod"), "KafkaTopic")) {
            Map<String, Object> spec = map(t, "spec");
            prod.put(String.valueOf(spec.getOrDefault("topicName", name(t))), Manifests.integer(spec.get("partitions"), 0));
        }
        assertEquals(local, prod, "prod KafkaTopics");
        // retention.ms of every topic, in each environment (none: the broker's default, which no topic may rely on)
        Map<String, String> localRetention = new TreeMap<>();
        Map<String, String> devRetention = new TreeMap<>();
        Map<String, String> prodRetention = new TreeMap<>();
        for (String topic : local.keySet()) {
            Matcher config = Pattern.compile("\\[" + Pattern.quote(topic) + "]=\"retention\\.ms=(-?\\d+)\"")
                    .matcher(common);
            localRetention.put(topic, config.find() ? config.group(1) : "none");
            Matcher created = Pattern.compile("(?m)^create " + Pattern.quote(topic)
                    + " \\d+ --config retention\\.ms=(-?\\d+)$").matcher(script);
            devRetention.put(topic, created.find() ? created.group(1) : "none");
        }
        for (Map<String, Object> t : ofKind(render("k8s/overlays/prod"), "KafkaTopic")) {
            Object retention = map(map(t, "spec"), "config").get("retention.ms");
            prodRetention.put(String.valueOf(map(t, "spec").getOrDefault("topicName", name(t))),
                    retention == null ? "none" : String.valueOf(retention));
        }
        assertFalse(localRetention.containsValue("none"), "every local topic states its retention: " + localRetention);
        assertEquals(localRetention, devRetention, "dev kafka-topics Job's retention");
        assertEquals(localRetention, prodRetention, "prod KafkaTopics' retention");
        for (String eventTopic : List.of("orders.events.v1", "catalog.events.v1")) {
            assertTrue(common.contains("[" + eventTopic + "]=\"retention.ms=-1\""), "local keeps " + eventTopic);
            assertTrue(script.contains("create " + eventTopic + " " + dev.get(eventTopic) + " --config retention.ms=-1"),
                    "dev keeps " + eventTopic);
            Map<String, Object> topic = ofKind(render("k8s/overlays/prod"), "KafkaTopic").stream()
                    .filter(t -> eventTopic.equals(map(t, "spec").get("topicName"))).findFirst().orElseThrow();
            assertEquals(-1, map(map(topic, "spec"), "config").get("retention.ms"), "prod keeps " + eventTopic);
        }
    }

    static void assertResources(String where, Map<String, Object> resources) {
        for (String kind : List.of("requests", "limits")) {
            for (String r : List.of("cpu", "memory")) {
                assertNotNull(map(resources, kind).get(r), where + ": resources." + kind + "." + r);
            }
        }
    }

    static void assertPinned(String where, String image) {
        boolean digest = image.contains("@sha256:");
        String tag = image.substring(image.lastIndexOf('/') + 1);
        assertTrue(digest || (tag.contains(":") && !tag.endsWith(":latest")), where + ": image " + image + " pinned");
    }
}
