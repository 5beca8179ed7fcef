package dev.orders.k8s;

import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.containers;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.find;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.podSpec;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each service's NetworkPolicy lets it reach every host its configuration connects to (Postgres, PgBouncer, Kafka,
 * Redis), in every overlay. A configured host is resolved the way the cluster would: a rendered Service to the pod
 * labels of the workload it selects; a CloudNativePG Pooler or Cluster Service ({@code <cluster>-rw/-ro/-r}) or
 * Strimzi's {@code <kafka>-kafka-bootstrap} (its broker nodes) to the labels those operators put on their pods; a
 * Service of another namespace ({@code <name>.<namespace>[.svc...]}, e.g. the OpenTelemetry Collector the traces go
 * to) to pods labelled {@code app.kubernetes.io/name: <name>} in that namespace (the OpenTelemetry operator's labels);
 * anything else is outside the cluster and needs an ipBlock. An egress rule allows it when one of its peers selects
 * those pods (or, for an external host, is an ipBlock) and its ports, if any, include the port.
 */
class NetworkPolicyEgressTest {

    /**
     * Where a service connects: the host as configured, the pod labels behind it (null: outside), the port, and the
     * namespace of those pods (null: the service's own).
     */
    record Target(String key, String host, Map<String, String> podLabels, int port, String namespace) {
        Target(String key, String host, Map<String, String> podLabels, int port) {
            this(key, host, podLabels, port, null);
        }
    }

    /** {@code <service>.<namespace>}, optionally with {@code .svc} or {@code .svc.cluster.local}. */
    private static final Pattern OTHER_NAMESPACE = Pattern.compile(
            "([a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.svc(\\.cluster\\.local)?)?");

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void everyServiceMayReachTheHostsItIsConfiguredFor(String dir) {
        List<Map<String, Object>> docs = render(dir);
        List<String> problems = egressProblems(docs);
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /** Control: without its Redis rule, query-service cannot reach Redis, and the check says so. */
    @Test
    void egressCheckFailsWhenARuleIsMissing() {
        List<Map<String, Object>> docs = render("k8s/overlays/dev");
        Map<String, Object> spec = map(named(docs, "NetworkPolicy", "query-service"), "spec");
        for (Map<String, Object> rule : list(spec, "egress")) {
            if (!rule.containsKey("to")) {
                continue;
            }
            list(rule, "to").removeIf(peer -> "redis".equals(map(map(peer, "podSelector"), "matchLabels")
                    .get("app.kubernetes.io/name")));
        }
        List<String> problems = egressProblems(docs);
        assertEquals(1, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("query-service: QUARKUS_REDIS_HOSTS → redis:6379"), problems.get(0));
    }

    /**
     * Control: the trace collector lives in another namespace; a rule naming its pods but not its namespace (which
     * would select pods of the service's own namespace) does not let the projector export, and the check says so.
     */
    @Test
    void egressToAnotherNamespaceNeedsItsNamespaceSelector() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        Map<String, Object> spec = map(named(docs, "NetworkPolicy", "projector"), "spec");
        for (Map<String, Object> rule : list(spec, "egress")) {
            list(rule, "to").forEach(peer -> peer.remove("namespaceSelector"));
        }
        List<String> problems = egressProblems(docs);
        assertEquals(1, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith(
                "projector: ORDERS_OTLP_ENDPOINT → otel-collector.observability:4318"), problems.get(0));
    }

    /**
     * Control: the Kafka clients connect to the TLS listener (9093); a Kafka rule left on the old plaintext port does not
     * let them, and the check says so for both.
     */
    @Test
    void egressToKafkaNeedsTheTlsListenersPort() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        for (String service : List.of("command-service", "projector")) {
            for (Map<String, Object> rule : list(map(named(docs, "NetworkPolicy", service), "spec"), "egress")) {
                boolean kafka = list(rule, "to").stream()
                        .anyMatch(peer -> map(map(peer, "podSelector"), "matchLabels").containsKey("strimzi.io/cluster"));
                if (kafka) {
                    list(rule, "ports").forEach(p -> p.put("port", 9092));
                }
            }
        }
        List<String> problems = egressProblems(docs);
        assertEquals(2, problems.size(), String.join("\n", problems));
        for (String service : List.of("command-service", "projector")) {
            assertTrue(problems.stream().anyMatch(
                    p -> p.startsWith(service + ": KAFKA_BOOTSTRAP_SERVERS → orders-kafka-bootstrap:9093")), problems.toString());
        }
    }

    /**
     * prod names every destination its pods may reach: no egress peer is an ipBlock of the whole address space
     * (0.0.0.0/0, ::/0; the managed Redis is reached through its network's CIDR), and a rule without destinations
     * (any address) is DNS only, port 53. Every NetworkPolicy of the overlay is checked, not only the services'.
     */
    @Test
    void prodEgressNamesItsDestinations() {
        List<String> problems = openEgress(render("k8s/overlays/prod"));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Controls: Redis back on 0.0.0.0/0, or on a rule with ports and no destination, is caught. */
    @Test
    void egressToTheWholeInternetFailsInProd() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        for (Map<String, Object> rule : list(map(named(docs, "NetworkPolicy", "query-service"), "spec"), "egress")) {
            list(rule, "to").stream().filter(peer -> peer.containsKey("ipBlock"))
                    .forEach(peer -> map(peer, "ipBlock").put("cidr", "0.0.0.0/0"));
        }
        List<Map<String, Object>> projector = list(map(named(docs, "NetworkPolicy", "projector"), "spec"), "egress");
        projector.removeIf(rule -> list(rule, "to").stream().anyMatch(peer -> peer.containsKey("ipBlock")));
        projector.add(new java.util.HashMap<>(Map.of("ports", List.of(Map.of("port", 6380, "protocol", "TCP")))));
        List<String> problems = openEgress(docs);
        assertEquals(2, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("NetworkPolicy/projector: egress to any address on ports [6380]"),
                problems.get(0));
        assertTrue(problems.get(1).startsWith("NetworkPolicy/query-service: egress to 0.0.0.0/0"), problems.get(1));
        // and the egress check itself no longer finds an ipBlock for the projector's Redis
        assertTrue(egressProblems(docs).isEmpty(), "the port-only rule admits Redis: " + egressProblems(docs));
    }

    /** Egress rules of the rendered NetworkPolicies that reach anywhere: an ipBlock /0, or no `to` beyond DNS. */
    static List<String> openEgress(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> policy : Manifests.ofKind(docs, "NetworkPolicy")) {
            for (Map<String, Object> rule : list(map(policy, "spec"), "egress")) {
                List<Object> ports = list(rule, "ports").stream().map(p -> p.get("port")).toList();
                boolean dnsOnly = !ports.isEmpty() && ports.stream().allMatch(p -> Integer.valueOf(53).equals(p));
                if (list(rule, "to").isEmpty() && !dnsOnly) {
                    problems.add(Manifests.describe(policy) + ": egress to any address on ports "
                            + (ports.isEmpty() ? "(all)" : ports));
                }
                for (Map<String, Object> peer : list(rule, "to")) {
                    String cidr = String.valueOf(map(peer, "ipBlock").get("cidr"));
                    if (cidr.endsWith("/0")) {
                        problems.add(Manifests.describe(policy) + ": egress to " + cidr + " on ports " + ports
                                + " (name the destination: pods by selector, or an ipBlock of its own network)");
                    }
                }
            }
        }
        return problems;
    }

    /**
     * The operator tools' pods (base/tools.yaml: CronJobs whose pods are labelled {@code app.kubernetes.io/component:
     * operator-tool}) may reach every host their configuration connects to, like the services': through the
     * NetworkPolicies that select them (at least one; their egress rules add up). The rebuild's second projector
     * publishes no cache invalidations (the shared script starts it with ORDERS_INVALIDATIONS_ENABLED=false), so the
     * Redis settings it inherits from the projector's ConfigMap need no egress.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void everyOperatorToolMayReachTheHostsItIsConfiguredFor(String dir) throws Exception {
        List<Map<String, Object>> docs = render(dir);
        assertEquals(4, toolPods(docs).size(), dir + ": the check, the rebuild and the replay (two templates)");
        List<String> problems = toolEgressProblems(docs);
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /**
     * Controls: without the write Cluster in its policy, the rebuild's closing consistency check cannot reach the write
     * model; a tool pod that no policy selects is reported.
     */
    @Test
    void toolEgressCheckFailsWhenARuleOrThePolicyIsMissing() throws Exception {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        for (Map<String, Object> rule : list(map(named(docs, "NetworkPolicy", "orders-rebuild-read-model"), "spec"), "egress")) {
            if (rule.containsKey("to")) {
                list(rule, "to").removeIf(peer -> "orders-write".equals(map(map(peer, "podSelector"), "matchLabels")
                        .get("cnpg.io/cluster")));
            }
        }
        List<String> problems = toolEgressProblems(docs);
        assertEquals(1, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("CronJob/orders-rebuild-read-model: ORDERS_WRITE_DB_URL → orders-write-rw:5432"),
                problems.get(0));
        docs.remove(named(docs, "NetworkPolicy", "orders-replay-dead-letters"));
        problems = toolEgressProblems(docs);
        assertTrue(problems.stream().anyMatch(p -> p.equals("CronJob/orders-replay-dead-letters: no NetworkPolicy selects its pods")),
                String.join("\n", problems));
    }

    /** The operator tools' CronJobs: their pods carry app.kubernetes.io/component: operator-tool. */
    static List<Map<String, Object>> toolPods(List<Map<String, Object>> docs) {
        return Manifests.ofKind(docs, "CronJob").stream()
                .filter(c -> "operator-tool".equals(Manifests.podLabels(c).get("app.kubernetes.io/component"))).toList();
    }

    static List<String> toolEgressProblems(List<Map<String, Object>> docs) throws java.io.IOException {
        String rebuild = java.nio.file.Files.readString(Manifests.REPO.resolve("k8s/base/tools/rebuild-read-model.sh"));
        boolean rebuildPublishesNoInvalidations = rebuild.contains("ORDERS_INVALIDATIONS_ENABLED=false");
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> tool : toolPods(docs)) {
            String where = Manifests.describe(tool);
            List<Map<String, Object>> policies = Manifests.ofKind(docs, "NetworkPolicy").stream()
                    .filter(p -> Manifests.selects(map(map(p, "spec"), "podSelector"), Manifests.podLabels(tool)))
                    .map(p -> map(p, "spec")).toList();
            if (policies.isEmpty()) {
                problems.add(where + ": no NetworkPolicy selects its pods");
                continue;
            }
            Set<Target> targets = new LinkedHashSet<>();
            for (Map<String, Object> c : containers(podSpec(tool))) {
                boolean rebuilds = String.valueOf(c.get("command")).contains("rebuild-read-model");
                environment(docs, c).forEach((key, value) -> {
                    if (!(rebuilds && rebuildPublishesNoInvalidations && key.equals("QUARKUS_REDIS_HOSTS"))) {
                        targets.addAll(targets(docs, key, value));
                    }
                });
            }
            for (Target t : targets) {
                if (policies.stream().noneMatch(p -> allowed(p, t))) {
                    problems.add(String.format("%s: %s → %s:%d (%s) is not allowed by the NetworkPolicies that select it",
                            where, t.key(), t.host(), t.port(),
                            t.podLabels() == null ? "outside the cluster" : t.podLabels()));
                }
            }
        }
        return problems;
    }

    static List<String> egressProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (String service : SERVICES) {
            Map<String, Object> policy = map(named(docs, "NetworkPolicy", service), "spec");
            Set<Target> targets = new LinkedHashSet<>();
            for (Map<String, Object> c : containers(podSpec(named(docs, "Deployment", service)))) {
                environment(docs, c).forEach((key, value) -> targets.addAll(targets(docs, key, value)));
            }
            for (Target t : targets) {
                if (!allowed(policy, t)) {
                    problems.add(String.format("%s: %s → %s:%d (%s) is not allowed by NetworkPolicy/%s", service,
                            t.key(), t.host(), t.port(), t.podLabels() == null ? "outside the cluster" : t.podLabels(),
                            service));
                }
            }
        }
        return problems;
    }

    /** The hosts an environment entry points at: Postgres and Redis URLs, Kafka bootstrap servers. */
    static List<Target> targets(List<Map<String, Object>> docs, String key, String value) {
        List<Target> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        for (String item : value.split(",")) {
            String v = item.trim().replaceFirst("^jdbc:", "");
            String host;
            int port;
            if (v.matches("(postgresql|postgres|redis|rediss)://.*")) {
                URI uri = URI.create(v);
                host = uri.getHost();
                port = uri.getPort() > 0 ? uri.getPort() : v.startsWith("redis") ? 6379 : 5432;
            } else if (key.endsWith("OTLP_ENDPOINT") && v.matches("https?://.*")) {
                URI uri = URI.create(v);
                host = uri.getHost();
                port = uri.getPort() > 0 ? uri.getPort() : v.startsWith("https") ? 443 : 80;
            } else if (key.endsWith("BOOTSTRAP_SERVERS") && v.matches("[A-Za-z0-9.-]+:\\d+")) {
                host = v.substring(0, v.lastIndexOf(':'));
                port = Integer.parseInt(v.substring(v.lastIndexOf(':') + 1));
            } else {
                continue;
            }
            out.add(resolve(docs, key, host, port));
        }
        return out;
    }

    static Target resolve(List<Map<String, Object>> docs, String key, String host, int port) {
        Optional<Map<String, Object>> svc = find(docs, "Service", host);
        if (svc.isPresent()) {
            Map<String, Object> workload = Manifests.workloadBehindService(docs, host)
                    .orElseThrow(() -> new AssertionError("Service " + host + " selects no rendered workload"));
            return new Target(key, host, stringMap(Manifests.podLabels(workload)), targetPort(svc.get(), workload, port));
        }
        if (find(docs, "Pooler", host).isPresent()) {
            return new Target(key, host, Map.of("cnpg.io/poolerName", host), port);
        }
        for (Map<String, Object> cluster : Manifests.ofKind(docs, "Cluster")) {
            String c = Manifests.name(cluster);
            if (host.matches(Pattern.quote(c) + "-(rw|ro|r)")) {
                return new Target(key, host, Map.of("cnpg.io/cluster", c), port);
            }
        }
        for (Map<String, Object> kafka : Manifests.ofKind(docs, "Kafka")) {
            String k = Manifests.name(kafka);
            if (host.equals(k + "-kafka-bootstrap")) {
                // the bootstrap Service's selector: the cluster's nodes with the broker role (never a controller)
                return new Target(key, host, Map.of("strimzi.io/cluster", k, "strimzi.io/kind", "Kafka",
                        "strimzi.io/name", k + "-kafka", "strimzi.io/broker-role", "true"), port);
            }
        }
        var other = OTHER_NAMESPACE.matcher(host);
        if (other.matches()) {
            return new Target(key, host, Map.of("app.kubernetes.io/name", other.group(1)), port, other.group(3));
        }
        if (!host.contains(".")) {
            throw new AssertionError(key + ": " + host + " is neither a rendered Service nor an operator's");
        }
        return new Target(key, host, null, port);
    }

    /** The container port a Service port forwards to. */
    static int targetPort(Map<String, Object> svc, Map<String, Object> workload, int port) {
        for (Map<String, Object> p : list(map(svc, "spec"), "ports")) {
            if (Manifests.integer(p.get("port"), -1) != port) {
                continue;
            }
            Object target = p.getOrDefault("targetPort", port);
            if (String.valueOf(target).matches("\\d+")) {
                return Integer.parseInt(String.valueOf(target));
            }
            for (Map<String, Object> c : containers(podSpec(workload))) {
                for (Map<String, Object> cp : list(c, "ports")) {
                    if (target.equals(cp.get("name"))) {
                        return Manifests.integer(cp.get("containerPort"), -1);
                    }
                }
            }
        }
        throw new AssertionError("Service " + Manifests.name(svc) + " has no port " + port);
    }

    static boolean allowed(Map<String, Object> policy, Target t) {
        for (Map<String, Object> rule : list(policy, "egress")) {
            List<Map<String, Object>> ports = list(rule, "ports");
            boolean portOk = ports.isEmpty()
                    || ports.stream().anyMatch(p -> Manifests.integer(p.get("port"), -1) == t.port()
                            && "TCP".equals(p.getOrDefault("protocol", "TCP")));
            if (!portOk) {
                continue;
            }
            List<Map<String, Object>> to = list(rule, "to");
            if (to.isEmpty()) {
                return true; // any destination on these ports
            }
            for (Map<String, Object> peer : to) {
                if (t.podLabels() == null) {
                    if (peer.containsKey("ipBlock")) {
                        return true;
                    }
                } else if (peer.containsKey("podSelector") && sameNamespace(peer, t.namespace())
                        && t.podLabels().entrySet().containsAll(
                                stringMap(map(map(peer, "podSelector"), "matchLabels")).entrySet())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The peer selects pods of {@code namespace} (null: the policy's own namespace, i.e. no namespaceSelector). */
    private static boolean sameNamespace(Map<String, Object> peer, String namespace) {
        if (namespace == null) {
            return !peer.containsKey("namespaceSelector");
        }
        return peer.containsKey("namespaceSelector") && namespace.equals(String.valueOf(
                map(map(peer, "namespaceSelector"), "matchLabels").get("kubernetes.io/metadata.name")));
    }

    private static Map<String, String> stringMap(Map<String, Object> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
