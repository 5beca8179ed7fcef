package dev.orders.k8s;

import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The projector's autoscaling, with its CPU HorizontalPodAutoscaler or with KEDA (k8s/components/keda-projector):
 * <ul>
 * <li>one autoscaler owns the Deployment;</li>
 * <li>it never runs more consumers than orders.events.v1 has partitions: maxReplicas (and KEDA's fallback) ×
 * ORDERS_PROJECTOR_CONSUMERS ≤ partitions, which come from the overlay's KafkaTopic or its topics Job;</li>
 * <li>prod keeps at least two replicas, and its PodDisruptionBudget still lets a node drain (an eviction is allowed
 * while minReplicas pods run);</li>
 * <li>KEDA reads the lag of the projector's own group on orders.events.v1 over TLS and SCRAM-SHA-512 as a KafkaUser
 * that may only describe that topic and group.</li>
 * </ul>
 */
class ProjectorScalingTest {
    static final String TOPIC = "orders.events.v1";

    static Stream<String> renderings() throws IOException {
        return Stream.concat(Manifests.overlays(), Components.renderings());
    }

    static Stream<String> prodRenderings() throws IOException {
        return renderings().filter(dir -> dir.contains("prod"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("renderings")
    void neverMoreConsumersThanPartitions(String dir) {
        List<Map<String, Object>> docs = render(dir);
        List<String> problems = consumerProblems(docs);
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
        Scaler s = scaler(docs);
        System.out.printf("%s: projector %s, %d..%d replicas × %d consumer(s), %s has %d partitions%n", dir, s.kind(),
                s.min(), s.max(), consumersPerPod(docs), TOPIC, partitions(docs));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prodRenderings")
    void prodKeepsTwoReplicasAndLetsANodeDrain(String dir) {
        List<String> problems = availabilityProblems(render(dir));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    @Test
    void kedaScalesOnTheProjectorsLagAsADescribeOnlyUser() {
        List<Map<String, Object>> docs = render(Components.prodWith(List.of("keda-projector")));
        assertEquals("ScaledObject", scaler(docs).kind());
        List<String> problems = kedaProblems(docs);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    // --- controls -----------------------------------------------------------------------------------------------

    @Test
    void moreReplicasOrConsumersThanPartitionsFail() {
        assertCaught("k8s/overlays/prod", docs -> map(named(docs, "HorizontalPodAutoscaler", "projector"), "spec")
                .put("maxReplicas", 12), ProjectorScalingTest::consumerProblems, "12 replicas × 1 consumer(s)");
        assertCaught("k8s/overlays/dev", docs -> map(named(docs, "ConfigMap", "projector-config"), "data")
                .put("ORDERS_PROJECTOR_CONSUMERS", "2"), ProjectorScalingTest::consumerProblems,
                "6 replicas × 2 consumer(s)");
        String keda = Components.prodWith(List.of("keda-projector"));
        assertCaught(keda, docs -> map(named(docs, "ScaledObject", "projector"), "spec").remove("maxReplicaCount"),
                ProjectorScalingTest::consumerProblems, "100 replicas");
        assertCaught(keda, docs -> map(map(named(docs, "ScaledObject", "projector"), "spec"), "fallback")
                .put("replicas", 8), ProjectorScalingTest::consumerProblems, "fallback of 8 replicas");
    }

    @Test
    void twoAutoscalersFail() {
        String keda = Components.prodWith(List.of("keda-projector"));
        assertCaught(keda, docs -> docs.add(named(render("k8s/overlays/prod"), "HorizontalPodAutoscaler", "projector")),
                ProjectorScalingTest::consumerProblems, "2 autoscalers");
    }

    @Test
    void oneReplicaOrAPdbThatBlocksDrainsFail() {
        assertCaught("k8s/overlays/prod", docs -> map(named(docs, "HorizontalPodAutoscaler", "projector"), "spec")
                .put("minReplicas", 1), ProjectorScalingTest::availabilityProblems, "at least 1 replica");
        assertCaught("k8s/overlays/prod", docs -> {
            Map<String, Object> spec = map(named(docs, "PodDisruptionBudget", "projector"), "spec");
            spec.remove("maxUnavailable");
            spec.put("minAvailable", 2);
        }, ProjectorScalingTest::availabilityProblems, "no eviction is allowed");
        String keda = Components.prodWith(List.of("keda-projector"));
        assertCaught(keda, docs -> map(named(docs, "ScaledObject", "projector"), "spec").put("minReplicaCount", 0),
                ProjectorScalingTest::availabilityProblems, "at least 0 replica");
    }

    @Test
    void kedaOnAnotherGroupOrWithTooManyRightsFails() {
        String keda = Components.prodWith(List.of("keda-projector"));
        assertCaught(keda, docs -> metadata(docs).put("consumerGroup", "orders-projector-rebuild"),
                ProjectorScalingTest::kedaProblems, "group orders-projector-rebuild");
        assertCaught(keda, docs -> metadata(docs).put("tls", "disable"), ProjectorScalingTest::kedaProblems, "tls");
        assertCaught(keda, docs -> list(map(map(named(docs, "KafkaUser", "keda-projector"), "spec"), "authorization"),
                "acls").get(0).put("operations", List.of("Read", "Describe")), ProjectorScalingTest::kedaProblems,
                "may only Describe");
    }

    private static Map<String, Object> metadata(List<Map<String, Object>> docs) {
        return map(list(map(named(docs, "ScaledObject", "projector"), "spec"), "triggers").get(0), "metadata");
    }

    private interface Check {
        List<String> problems(List<Map<String, Object>> docs);
    }

    private static void assertCaught(String dir, Consumer<List<Map<String, Object>>> weaken, Check check,
            String mention) {
        List<Map<String, Object>> docs = new ArrayList<>(render(dir));
        weaken.accept(docs);
        List<String> problems = check.problems(docs);
        assertTrue(problems.stream().anyMatch(p -> p.contains(mention)), mention + " caught: " + problems);
    }

    // --- the checks ---------------------------------------------------------------------------------------------

    /** The projector's autoscaler: HPA or KEDA ScaledObject, with the bounds as the cluster reads them (defaults). */
    record Scaler(String kind, int min, int max, Integer fallback, int count) {
    }

    static Scaler scaler(List<Map<String, Object>> docs) {
        List<Scaler> found = new ArrayList<>();
        for (Map<String, Object> hpa : Manifests.ofKind(docs, "HorizontalPodAutoscaler")) {
            Map<String, Object> spec = map(hpa, "spec");
            if (targetsProjector(map(spec, "scaleTargetRef"))) {
                found.add(new Scaler("HorizontalPodAutoscaler", Manifests.integer(spec.get("minReplicas"), 1),
                        Manifests.integer(spec.get("maxReplicas"), 0), null, 0));
            }
        }
        for (Map<String, Object> so : Manifests.ofKind(docs, "ScaledObject")) {
            Map<String, Object> spec = map(so, "spec");
            if (targetsProjector(map(spec, "scaleTargetRef"))) {
                Object fallback = map(spec, "fallback").get("replicas");
                // KEDA's defaults: minReplicaCount 0, maxReplicaCount 100
                found.add(new Scaler("ScaledObject", Manifests.integer(spec.get("minReplicaCount"), 0),
                        Manifests.integer(spec.get("maxReplicaCount"), 100),
                        fallback == null ? null : Manifests.integer(fallback, 0), 0));
            }
        }
        if (found.isEmpty()) {
            return new Scaler("none", 0, 0, null, 0);
        }
        Scaler first = found.get(0);
        return new Scaler(first.kind(), first.min(), first.max(), first.fallback(), found.size());
    }

    private static boolean targetsProjector(Map<String, Object> ref) {
        return "projector".equals(ref.get("name")) && "Deployment".equals(ref.getOrDefault("kind", "Deployment"));
    }

    static List<String> consumerProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Scaler s = scaler(docs);
        if (s.count() != 1) {
            problems.add("projector: " + s.count() + " autoscalers (HorizontalPodAutoscaler, ScaledObject) target it");
            return problems;
        }
        int consumers = consumersPerPod(docs);
        int partitions = partitions(docs);
        if (s.max() * consumers > partitions) {
            problems.add(String.format("projector: %s allows %d replicas × %d consumer(s) > %d partitions of %s",
                    s.kind(), s.max(), consumers, partitions, TOPIC));
        }
        if (s.fallback() != null && s.fallback() * consumers > partitions) {
            problems.add(String.format(
                    "projector: ScaledObject's fallback of %d replicas × %d consumer(s) > %d partitions",
                    s.fallback(), consumers, partitions));
        }
        return problems;
    }

    static List<String> availabilityProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Scaler s = scaler(docs);
        if (s.min() < 2) {
            problems.add("projector: " + s.kind() + " keeps at least " + s.min() + " replica(s), not 2");
        }
        Map<String, Object> pdb = map(named(docs, "PodDisruptionBudget", "projector"), "spec");
        Object maxUnavailable = pdb.get("maxUnavailable");
        Object minAvailable = pdb.get("minAvailable");
        boolean drains;
        if (maxUnavailable != null) {
            drains = !String.valueOf(maxUnavailable).matches("0%?");
        } else if (minAvailable != null && !String.valueOf(minAvailable).endsWith("%")) {
            drains = Manifests.integer(minAvailable, 0) < s.min();
        } else {
            drains = minAvailable == null || !"100%".equals(minAvailable);
        }
        if (!drains) {
            problems.add("projector: with " + s.min() + " replicas and PodDisruptionBudget minAvailable "
                    + pdb.get("minAvailable") + " / maxUnavailable " + pdb.get("maxUnavailable")
                    + ", no eviction is allowed: a node drain would hang");
        }
        return problems;
    }

    static List<String> kedaProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> so = named(docs, "ScaledObject", "projector");
        List<Map<String, Object>> triggers = list(map(so, "spec"), "triggers");
        if (triggers.size() != 1 || !"kafka".equals(triggers.get(0).get("type"))) {
            return List.of("ScaledObject/projector: one kafka trigger, got " + triggers);
        }
        Map<String, Object> trigger = triggers.get(0);
        Map<String, Object> meta = map(trigger, "metadata");
        String group = groupId(docs);
        if (!group.equals(meta.get("consumerGroup"))) {
            problems.add("the trigger reads group " + meta.get("consumerGroup") + ", the projector's is " + group);
        }
        if (!TOPIC.equals(meta.get("topic"))) {
            problems.add("the trigger's topic is " + meta.get("topic") + ", not " + TOPIC);
        }
        if (meta.get("lagThreshold") == null || "true".equals(meta.get("allowIdleConsumers"))) {
            problems.add("the trigger needs a lagThreshold and no idle consumers: " + meta);
        }
        if (!"scram_sha512".equals(meta.get("sasl")) || !"enable".equals(meta.get("tls"))) {
            problems.add("the trigger must use sasl scram_sha512 and tls enable: " + meta);
        }
        // the bootstrap address: Strimzi's bootstrap Service of a rendered Kafka, namespaced, on a TLS SCRAM listener
        String bootstrap = String.valueOf(meta.get("bootstrapServers"));
        Matcher m = Pattern.compile("([a-z0-9-]+)-kafka-bootstrap\\.([a-z0-9-]+)\\.svc(\\.cluster\\.local)?:(\\d+)")
                .matcher(bootstrap);
        String kafka = m.matches() ? m.group(1) : null;
        if (kafka == null || Manifests.find(docs, "Kafka", kafka).isEmpty()) {
            problems.add("bootstrapServers " + bootstrap + " is not <kafka>-kafka-bootstrap.<namespace>.svc:<port>");
        } else {
            int port = Integer.parseInt(m.group(4));
            boolean tlsScram = list(map(map(named(docs, "Kafka", kafka), "spec"), "kafka"), "listeners").stream()
                    .anyMatch(l -> Manifests.integer(l.get("port"), -1) == port && Boolean.TRUE.equals(l.get("tls"))
                            && "scram-sha-512".equals(map(l, "authentication").get("type")));
            if (!tlsScram) {
                problems.add("bootstrapServers " + bootstrap + ": port " + port + " is no TLS SCRAM-SHA-512 listener");
            }
        }
        problems.addAll(authProblems(docs, String.valueOf(map(trigger, "authenticationRef").get("name")), kafka));
        return problems;
    }

    /** username, password of a KafkaUser that may only describe the topic and group; ca of the cluster CA. */
    private static List<String> authProblems(List<Map<String, Object>> docs, String name, String kafka) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> spec = map(named(docs, "TriggerAuthentication", name), "spec");
        Map<String, Map<String, Object>> params = new HashMap<>();
        for (String source : List.of("secretTargetRef", "configMapTargetRef")) {
            list(spec, source).forEach(r -> params.put(String.valueOf(r.get("parameter")),
                    Map.of("source", source, "name", r.get("name"), "key", r.get("key"))));
        }
        Map<String, Object> password = params.getOrDefault("password", Map.of());
        Map<String, Object> ca = params.getOrDefault("ca", Map.of());
        Map<String, Object> username = params.getOrDefault("username", Map.of());
        if (!"secretTargetRef".equals(password.get("source")) || !"password".equals(password.get("key"))) {
            problems.add("TriggerAuthentication/" + name + ": password from a KafkaUser's Secret (key password)");
        }
        if (!"secretTargetRef".equals(ca.get("source")) || !(kafka + "-cluster-ca-cert").equals(ca.get("name"))) {
            problems.add("TriggerAuthentication/" + name + ": ca from " + kafka + "-cluster-ca-cert");
        }
        String user = String.valueOf(password.get("name"));
        String configured = "configMapTargetRef".equals(username.get("source"))
                ? String.valueOf(map(named(docs, "ConfigMap", String.valueOf(username.get("name"))), "data")
                        .get(String.valueOf(username.get("key"))))
                : null;
        if (!user.equals(configured)) {
            problems.add("TriggerAuthentication/" + name + ": user name " + configured + " is not the password's user "
                    + user);
        }
        if (Manifests.find(docs, "KafkaUser", user).isEmpty()) {
            return List.of("TriggerAuthentication/" + name + ": no KafkaUser " + user + " writes the Secret " + user);
        }
        Map<String, Object> authorization = map(map(named(docs, "KafkaUser", user), "spec"), "authorization");
        for (Map<String, Object> acl : list(authorization, "acls")) {
            Map<String, Object> resource = map(acl, "resource");
            boolean ours = "topic".equals(resource.get("type")) && TOPIC.equals(resource.get("name"))
                    || "group".equals(resource.get("type")) && groupId(docs).equals(resource.get("name"));
            if (!ours || !"literal".equals(resource.getOrDefault("patternType", "literal"))
                    || !List.of("Describe").equals(acl.get("operations"))) {
                problems.add("KafkaUser/" + user + " may only Describe " + TOPIC + " and group " + groupId(docs)
                        + ", has " + acl);
            }
        }
        return problems;
    }

    // --- what the rendered objects say -------------------------------------------------------------------------

    /** Kafka consumers per projector pod: ORDERS_PROJECTOR_CONSUMERS, else application.properties' default. */
    static int consumersPerPod(List<Map<String, Object>> docs) {
        String env = Manifests.environment(docs, Manifests.mainContainer(named(docs, "Deployment", "projector")))
                .get("ORDERS_PROJECTOR_CONSUMERS");
        if (env != null) {
            return Integer.parseInt(env.trim());
        }
        Matcher m = Pattern.compile("\\$\\{ORDERS_PROJECTOR_CONSUMERS:(\\d+)}")
                .matcher(properties().getOrDefault("mp.messaging.incoming.order-events.concurrency", ""));
        return m.matches() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** The projector's consumer group: ORDERS_PROJECTOR_GROUP_ID, else application.properties. */
    static String groupId(List<Map<String, Object>> docs) {
        String env = Manifests.environment(docs, Manifests.mainContainer(named(docs, "Deployment", "projector")))
                .get("ORDERS_PROJECTOR_GROUP_ID");
        return env != null ? env : properties().get("orders.projector.group-id");
    }

    /** Partitions of orders.events.v1: the overlay's KafkaTopic, or the `create` line of its topics Job's script. */
    static int partitions(List<Map<String, Object>> docs) {
        for (Map<String, Object> topic : Manifests.ofKind(docs, "KafkaTopic")) {
            Map<String, Object> spec = map(topic, "spec");
            if (TOPIC.equals(spec.getOrDefault("topicName", Manifests.name(topic)))) {
                return Manifests.integer(spec.get("partitions"), 0);
            }
        }
        Pattern create = Pattern.compile("(?m)^create " + Pattern.quote(TOPIC) + " (\\d+)");
        for (Map<String, Object> cm : Manifests.ofKind(docs, "ConfigMap")) {
            for (Object value : map(cm, "data").values()) {
                Matcher m = create.matcher(String.valueOf(value));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
        }
        throw new AssertionError("no KafkaTopic or topics script creates " + TOPIC);
    }

    private static Map<String, String> properties() {
        try {
            return Manifests.applicationProperties("projector");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
