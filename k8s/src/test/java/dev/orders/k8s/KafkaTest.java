package dev.orders.k8s;

import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.containers;
import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.name;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * prod's Kafka (Strimzi custom resources; the pods are the operator's and are not rendered): no plaintext or
 * unauthenticated listener and ACLs enforced; controllers and brokers in separate node pools; every Kafka client of
 * every workload connects over TLS with SCRAM-SHA-512 as its own KafkaUser; the ACLs are the least each client needs
 * (a table of who may read and write what, and what each service's configuration uses); every topic states its
 * retention; the Kafka Exporter watches the groups and topics the alerts read, and PodMonitors scrape it and the nodes.
 * Each check has a control that breaks the rendered objects in memory and expects it to fail.
 */
class KafkaTest {
    static final String PROD = "k8s/overlays/prod";

    /** The topics that hold the event history (read-model rebuilds replay them from the start): never deleted. */
    static final Set<String> EVENT_TOPICS = Set.of("orders.events.v1", "catalog.events.v1");

    /**
     * Least privilege, topics: who may Write and who may Read each topic. Anything not listed is denied (a topic not
     * listed here may be neither written nor read).
     * <ul>
     * <li>the event topics: written by command-service's outbox relay, and by the dead-letter replay, which sends a
     * dead letter back to the topic it came from; read by the projector and by the read-model rebuild;</li>
     * <li>the dead-letter topic: written by the projector and by the rebuild (a projector instance, same code); read
     * by the replay.</li>
     * </ul>
     */
    static final Map<String, Map<String, Set<String>>> TOPIC_ACCESS = Map.of(
            "orders.events.v1", Map.of(
                    "Write", Set.of("command-service", "orders-dlq-replay"),
                    "Read", Set.of("projector", "orders-read-model-rebuild")),
            "catalog.events.v1", Map.of(
                    "Write", Set.of("command-service", "orders-dlq-replay"),
                    "Read", Set.of("projector", "orders-read-model-rebuild")),
            "orders.events.v1.dlq", Map.of(
                    "Write", Set.of("projector", "orders-read-model-rebuild"),
                    "Read", Set.of("orders-dlq-replay")));

    /** Least privilege, consumer groups ({@code patternType:name}): who may use each. */
    static final Map<String, Set<String>> GROUP_ACCESS = Map.of(
            "literal:orders-projector", Set.of("projector"),
            "prefix:orders-projector-rebuild-", Set.of("orders-read-model-rebuild"),
            "literal:orders-dlq-replay", Set.of("orders-dlq-replay"));

    // --- schemas (SchemaCheckTest checks every rendered object; these are its controls for the Kafka kinds) ------

    /**
     * Controls: v1beta2's single {@code operation} on an ACL, a misspelled operation, SCRAM-SHA-256 (Strimzi has only
     * SCRAM-SHA-512), JMX exporter metrics without their ConfigMap, and a misspelled Kafka Exporter field all fail.
     */
    @Test
    void theSchemaCheckRejectsWrongKafkaUsersAndKafkaFields() {
        List<Map<String, Object>> docs = render(PROD);
        Map<String, Object> user = named(docs, "KafkaUser", "projector");
        List<Map<String, Object>> acls = list(map(map(user, "spec"), "authorization"), "acls");
        acls.get(0).put("operation", "Read");
        acls.get(1).put("operations", List.of("Raed"));
        String userProblems = String.join("\n", SchemaCheckTest.problems(user));
        assertTrue(userProblems.contains("acls/0 property 'operation'"), userProblems);
        assertTrue(userProblems.contains("acls/1/operations/0"), userProblems);

        Map<String, Object> kafka = named(docs, "Kafka", "orders");
        Map<String, Object> spec = map(map(kafka, "spec"), "kafka");
        map(list(spec, "listeners").get(0), "authentication").put("type", "scram-sha-256");
        map(spec, "metricsConfig").remove("valueFrom");
        Map<String, Object> exporter = map(map(kafka, "spec"), "kafkaExporter");
        exporter.put("groupRegexp", exporter.remove("groupRegex"));
        String kafkaProblems = String.join("\n", SchemaCheckTest.problems(kafka));
        for (String mention : List.of("listeners/0/authentication/type", "valueFrom", "groupRegexp")) {
            assertTrue(kafkaProblems.contains(mention), mention + ": " + kafkaProblems);
        }
    }

    // --- listeners -----------------------------------------------------------------------------------------------

    @Test
    void prodHasNoPlaintextListenerAndEnforcesAcls() {
        List<String> problems = listenerProblems(render(PROD));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Controls: a plaintext listener, an unauthenticated TLS listener and a cluster without authorization fail. */
    @Test
    void aPlaintextOrUnauthenticatedListenerOrNoAuthorizationFails() {
        List<Map<String, Object>> docs = render(PROD);
        Map<String, Object> kafka = map(map(named(docs, "Kafka", "orders"), "spec"), "kafka");
        @SuppressWarnings("unchecked")
        List<Object> listeners = (List<Object>) kafka.get("listeners");
        listeners.add(new HashMap<>(Map.of("name", "plain", "port", 9092, "type", "internal", "tls", false)));
        listeners.add(new HashMap<>(Map.of("name", "open", "port", 9094, "type", "internal", "tls", true)));
        kafka.remove("authorization");
        String problems = String.join("\n", listenerProblems(docs));
        assertTrue(problems.contains("listener plain (9092) is plaintext"), problems);
        assertTrue(problems.contains("listener open (9094) authenticates no client"), problems);
        assertTrue(problems.contains("no authorization"), problems);
    }

    static List<String> listenerProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> kafkas = ofKind(docs, "Kafka");
        if (kafkas.isEmpty()) {
            problems.add("no Kafka rendered");
        }
        for (Map<String, Object> k : kafkas) {
            Map<String, Object> spec = map(map(k, "spec"), "kafka");
            for (Map<String, Object> l : list(spec, "listeners")) {
                String listener = describe(k) + ": listener " + l.get("name") + " (" + l.get("port") + ")";
                if (!Boolean.TRUE.equals(l.get("tls"))) {
                    problems.add(listener + " is plaintext (tls: false)");
                }
                Object auth = map(l, "authentication").get("type");
                if (!"scram-sha-512".equals(auth) && !"tls".equals(auth)) {
                    problems.add(listener + " authenticates no client (authentication: " + auth + ")");
                }
            }
            if (!"simple".equals(map(spec, "authorization").get("type"))) {
                problems.add(describe(k) + ": no authorization (authorization.type simple): every client may do "
                        + "anything");
            }
        }
        return problems;
    }

    // --- node pools ----------------------------------------------------------------------------------------------

    @Test
    void controllersAndBrokersRunInSeparatePools() {
        List<String> problems = poolProblems(render(PROD));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Controls: a dual-role pool, two controllers, and a JBOD without its metadata volume fail. */
    @Test
    void aDualRolePoolOrAnEvenQuorumFails() {
        List<Map<String, Object>> docs = render(PROD);
        Map<String, Object> controller = map(named(docs, "KafkaNodePool", "controller"), "spec");
        controller.put("roles", new ArrayList<>(List.of("controller", "broker")));
        controller.put("replicas", 2);
        list(map(map(named(docs, "KafkaNodePool", "broker"), "spec"), "storage"), "volumes").get(0)
                .remove("kraftMetadata");
        String problems = String.join("\n", poolProblems(docs));
        assertTrue(problems.contains("KafkaNodePool/controller has both roles"), problems);
        assertTrue(problems.contains("2 controllers"), problems);
        assertTrue(problems.contains("KafkaNodePool/broker: no JBOD volume marked kraftMetadata: shared"), problems);
    }

    static List<String> poolProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> k : ofKind(docs, "Kafka")) {
            String cluster = name(k);
            int controllers = 0;
            int brokers = 0;
            for (Map<String, Object> pool : ofKind(docs, "KafkaNodePool")) {
                if (!cluster.equals(map(map(pool, "metadata"), "labels").get("strimzi.io/cluster"))) {
                    continue;
                }
                Map<String, Object> spec = map(pool, "spec");
                List<?> roles = spec.get("roles") instanceof List<?> r ? r : List.of();
                int replicas = Manifests.integer(spec.get("replicas"), 0);
                if (roles.contains("controller") && roles.contains("broker")) {
                    problems.add(describe(pool) + " has both roles: controllers and brokers belong in separate pools");
                }
                controllers += roles.contains("controller") ? replicas : 0;
                brokers += roles.contains("broker") ? replicas : 0;
                Map<String, Object> storage = map(spec, "storage");
                if ("jbod".equals(storage.get("type"))) {
                    long marked = list(storage, "volumes").stream()
                            .filter(v -> "shared".equals(v.get("kraftMetadata"))).count();
                    if (marked != 1) {
                        problems.add(describe(pool) + ": no JBOD volume marked kraftMetadata: shared (the volume of "
                                + "the metadata log), or more than one: " + marked);
                    }
                }
                for (Map<String, Object> v : list(storage, "volumes")) {
                    if (!"persistent-claim".equals(v.get("type")) || !Boolean.FALSE.equals(v.get("deleteClaim"))) {
                        problems.add(describe(pool) + ": volume " + v.get("id") + " is not a kept persistent claim");
                    }
                }
            }
            if (controllers < 3 || controllers % 2 == 0) {
                problems.add(describe(k) + ": " + controllers + " controllers; the quorum needs an odd number, 3 or "
                        + "more");
            }
            int replicas = ofKind(docs, "KafkaTopic").stream()
                    .mapToInt(t -> Manifests.integer(map(t, "spec").get("replicas"), 1)).max().orElse(1);
            if (brokers < Math.max(3, replicas)) {
                problems.add(describe(k) + ": " + brokers + " brokers for topics of " + replicas + " replicas");
            }
        }
        return problems;
    }

    // --- clients -------------------------------------------------------------------------------------------------

    @Test
    void everyKafkaClientAuthenticatesAsItsOwnUserOverTls() {
        List<Map<String, Object>> docs = render(PROD);
        List<String> problems = clientProblems(docs);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // not vacuous: every service with Kafka clients is one here
        List<String> clients = kafkaClients(docs).stream().map(Client::workload).toList();
        for (String service : SERVICES) {
            boolean kafka = ConfigKeys.extensions(service).contains(ConfigKeys.KAFKA_CLIENT_EXTENSION);
            assertEquals(kafka, clients.contains("Deployment/" + service), service + " is a Kafka client: " + clients);
        }
    }

    /**
     * Controls: command-service with the projector's credentials, the projector without SASL_SSL or the cluster CA, a
     * Job that sets a bootstrap server and nothing else, and a Job borrowing a service's user all fail.
     */
    @Test
    void aClientWithoutItsOwnUserOrWithoutTlsFails() {
        List<Map<String, Object>> docs = render(PROD);
        Map<String, Object> command = Manifests.mainContainer(named(docs, "Deployment", "command-service"));
        for (Map<String, Object> e : list(command, "env")) {
            if ("KAFKA_SASL_JAAS_CONFIG".equals(e.get("name"))) {
                map(map(e, "valueFrom"), "secretKeyRef").put("name", "projector");
            }
        }
        Map<String, Object> projector = Manifests.mainContainer(named(docs, "Deployment", "projector"));
        list(projector, "env").removeIf(e -> "KAFKA_SECURITY_PROTOCOL".equals(e.get("name")));
        list(projector, "volumeMounts").removeIf(m -> "kafka-ca".equals(m.get("name")));
        // the bootstrap servers from the projector's ConfigMap, as a tool's Job takes them
        docs.add(job("replay", List.of(Map.of("name", "KAFKA_BOOTSTRAP_SERVERS", "valueFrom",
                Map.of("configMapKeyRef", Map.of("name", "projector-config", "key", "KAFKA_BOOTSTRAP_SERVERS"))))));
        docs.add(job("borrower", List.of(env("KAFKA_BOOTSTRAP_SERVERS", "orders-kafka-bootstrap:9093"),
                env("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"), env("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
                Map.of("name", "KAFKA_SASL_JAAS_CONFIG", "valueFrom",
                        Map.of("secretKeyRef", Map.of("name", "projector", "key", "sasl.jaas.config"))))));
        String problems = String.join("\n", clientProblems(docs));
        assertTrue(problems.contains("Deployment/command-service/command-service: authenticates as KafkaUser "
                + "projector, not its own (command-service)"), problems);
        assertTrue(problems.contains("Deployment/projector/projector: KAFKA_SECURITY_PROTOCOL is null"), problems);
        assertTrue(problems.contains("Deployment/projector/projector: KAFKA_SSL_TRUSTSTORE_LOCATION "
                + "/etc/orders/kafka-ca/ca.crt is not ca.crt of the Secret orders-cluster-ca-cert"), problems);
        assertTrue(problems.contains("Job/replay/main: no KAFKA_SASL_JAAS_CONFIG from a KafkaUser's Secret"), problems);
        assertTrue(problems.contains("Job/replay/main: KAFKA_SECURITY_PROTOCOL is null"), problems);
        assertTrue(problems.contains("Job/borrower/main: authenticates as KafkaUser projector, a service's"), problems);
    }

    /** A Kafka client: the workload and container that connect, and the environment they do it with. */
    record Client(String workload, String kind, String workloadName, Map<String, Object> pod,
            Map<String, Object> container) {
        String where() {
            return workload + "/" + container.get("name");
        }
    }

    /**
     * Every container of every rendered pod template (Deployments, StatefulSets, Jobs, CronJobs) that sets a
     * {@code *BOOTSTRAP_SERVERS} variable or names a Kafka bootstrap Service (in a variable, its command or its args).
     * An init container that runs with QUARKUS_INIT_AND_EXIT=true is not one: Quarkus exits after its start-up tasks
     * (Flyway), before the messaging channels connect.
     */
    static List<Client> kafkaClients(List<Map<String, Object>> docs) {
        List<String> bootstraps = ofKind(docs, "Kafka").stream().map(k -> name(k) + "-kafka-bootstrap").toList();
        List<Client> clients = new ArrayList<>();
        for (Map<String, Object> d : docs) {
            String kind = String.valueOf(d.get("kind"));
            Map<String, Object> pod = switch (kind) {
                case "Deployment", "StatefulSet", "Job", "DaemonSet" -> Manifests.podSpec(d);
                case "CronJob" -> map(map(map(map(map(d, "spec"), "jobTemplate"), "spec"), "template"), "spec");
                default -> null;
            };
            if (pod == null) {
                continue;
            }
            List<Map<String, Object>> init = list(pod, "initContainers");
            for (Map<String, Object> c : containers(pod)) {
                Map<String, String> env = env(docs, c);
                if (init.contains(c) && "true".equals(env.get("QUARKUS_INIT_AND_EXIT"))) {
                    continue;
                }
                String text = env.values() + " " + c.get("command") + " " + c.get("args");
                if (bootstraps.stream().anyMatch(text::contains)
                        || env.keySet().stream().anyMatch(key -> key.endsWith("BOOTSTRAP_SERVERS"))) {
                    clients.add(new Client(describe(d), kind, name(d), pod, c));
                }
            }
        }
        return clients;
    }

    static List<String> clientProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, Object>> users = new HashMap<>();
        ofKind(docs, "KafkaUser").forEach(u -> users.put(name(u), u));
        for (Client client : kafkaClients(docs)) {
            String where = client.where();
            Map<String, String> env = env(docs, client.container());
            // the bootstrap servers: each a bootstrap Service, on a TLS listener that authenticates with SCRAM-SHA-512
            String text = env.values() + " " + client.container().get("command") + " " + client.container().get("args");
            Matcher server = Pattern.compile("([a-z0-9-]+)-kafka-bootstrap(\\.[a-z0-9.-]+)?:(\\d+)").matcher(text);
            boolean any = false;
            while (server.find()) {
                any = true;
                String cluster = server.group(1);
                int port = Integer.parseInt(server.group(3));
                boolean scramTls = ofKind(docs, "Kafka").stream().filter(k -> cluster.equals(name(k)))
                        .flatMap(k -> list(map(map(k, "spec"), "kafka"), "listeners").stream())
                        .anyMatch(l -> Manifests.integer(l.get("port"), -1) == port && Boolean.TRUE.equals(l.get("tls"))
                                && "scram-sha-512".equals(map(l, "authentication").get("type")));
                if (!scramTls) {
                    problems.add(where + ": " + server.group() + " is not a TLS listener with SCRAM-SHA-512 of the "
                            + "Kafka " + cluster);
                }
            }
            if (!any) {
                problems.add(where + ": sets bootstrap servers that are no <kafka>-kafka-bootstrap:<port> of the "
                        + "overlay");
            }
            for (Map.Entry<String, String> setting : Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                    "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM").entrySet()) {
                if (!setting.getValue().equals(env.get(setting.getKey()))) {
                    problems.add(where + ": " + setting.getKey() + " is " + env.get(setting.getKey()) + ", not "
                            + setting.getValue());
                }
            }
            // the credentials: its own KafkaUser's Secret
            Map<String, Object> jaas = list(client.container(), "env").stream()
                    .filter(e -> "KAFKA_SASL_JAAS_CONFIG".equals(e.get("name"))).findFirst()
                    .map(e -> map(map(e, "valueFrom"), "secretKeyRef")).orElse(Map.of());
            String user = String.valueOf(jaas.get("name"));
            if (!"sasl.jaas.config".equals(jaas.get("key")) || !users.containsKey(user)) {
                problems.add(where + ": no KAFKA_SASL_JAAS_CONFIG from a KafkaUser's Secret (key sasl.jaas.config)");
            } else {
                if (!"scram-sha-512".equals(map(map(users.get(user), "spec"), "authentication").get("type"))) {
                    problems.add(where + ": KafkaUser " + user + " has no SCRAM-SHA-512 credentials");
                }
                boolean service = "Deployment".equals(client.kind()) && SERVICES.contains(client.workloadName());
                if (service && !user.equals(client.workloadName())) {
                    problems.add(where + ": authenticates as KafkaUser " + user + ", not its own ("
                            + client.workloadName() + ")");
                } else if (!service && SERVICES.contains(user)) {
                    problems.add(where + ": authenticates as KafkaUser " + user + ", a service's: a tool has a user of "
                            + "its own");
                }
            }
            // the cluster CA: ca.crt of Secret <cluster>-cluster-ca-cert, mounted where the truststore location points
            String location = env.get("KAFKA_SSL_TRUSTSTORE_LOCATION");
            if (location == null || !mountsClusterCa(client, location)) {
                problems.add(where + ": KAFKA_SSL_TRUSTSTORE_LOCATION " + location + " is not ca.crt of the Secret "
                        + ofKind(docs, "Kafka").stream().map(k -> name(k) + "-cluster-ca-cert").toList().get(0));
            }
        }
        return problems;
    }

    /**
     * A container's environment ({@link Manifests#environment}), with the values of {@code configMapKeyRef} entries
     * taken from the rendered ConfigMap (a tool's Job takes the bootstrap servers from a service's ConfigMap this way).
     */
    static Map<String, String> env(List<Map<String, Object>> docs, Map<String, Object> container) {
        Map<String, String> env = environment(docs, container);
        for (Map<String, Object> e : list(container, "env")) {
            Map<String, Object> ref = map(map(e, "valueFrom"), "configMapKeyRef");
            if (!ref.isEmpty()) {
                Manifests.find(docs, "ConfigMap", String.valueOf(ref.get("name")))
                        .map(cm -> map(cm, "data").get(String.valueOf(ref.get("key"))))
                        .ifPresent(v -> env.put(String.valueOf(e.get("name")), String.valueOf(v)));
            }
        }
        return env;
    }

    /** Whether a file path of the container is the key ca.crt of a Strimzi cluster CA Secret it mounts. */
    private static boolean mountsClusterCa(Client client, String location) {
        for (Map<String, Object> mount : list(client.container(), "volumeMounts")) {
            String path = String.valueOf(mount.get("mountPath"));
            Map<String, Object> secret = list(client.pod(), "volumes").stream()
                    .filter(v -> String.valueOf(mount.get("name")).equals(v.get("name"))).findFirst()
                    .map(v -> map(v, "secret")).orElse(Map.of());
            if (!String.valueOf(secret.get("secretName")).endsWith("-cluster-ca-cert")) {
                continue;
            }
            String file;
            if (mount.get("subPath") != null) {
                if (!location.equals(path)) {
                    continue;
                }
                file = String.valueOf(mount.get("subPath"));
            } else if (location.startsWith(path.replaceFirst("/?$", "/"))) {
                file = location.substring(path.replaceFirst("/?$", "/").length());
            } else {
                continue;
            }
            List<Map<String, Object>> items = list(secret, "items");
            String key = items.isEmpty() ? file : items.stream().filter(i -> file.equals(i.get("path")))
                    .map(i -> String.valueOf(i.get("key"))).findFirst().orElse(null);
            if ("ca.crt".equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Object> job(String name, List<Map<String, Object>> env) {
        Map<String, Object> container = new HashMap<>(Map.of("name", "main", "image", "example/tool:1", "env", env));
        Map<String, Object> pod = new HashMap<>(Map.of("containers", new ArrayList<>(List.of(container))));
        return new HashMap<>(Map.of("apiVersion", "batch/v1", "kind", "Job", "metadata", Map.of("name", name),
                "spec", Map.of("template", Map.of("spec", pod))));
    }

    private static Map<String, Object> env(String name, String value) {
        return Map.of("name", name, "value", value);
    }

    // --- ACLs ----------------------------------------------------------------------------------------------------

    @Test
    void aclsAreTheLeastEachClientNeeds() {
        List<String> problems = aclProblems(render(PROD));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /**
     * Controls: the projector allowed to write the event topics, a `*` topic, an `All` operation, a cluster ACL, and
     * the projector without its consumer group all fail.
     */
    @Test
    void widerOrMissingAclsFail() {
        List<Map<String, Object>> docs = render(PROD);
        List<Map<String, Object>> projector = list(map(map(named(docs, "KafkaUser", "projector"), "spec"),
                "authorization"), "acls");
        projector.add(acl("topic", "orders.events.v1", "literal", "Write"));
        projector.removeIf(a -> "group".equals(map(a, "resource").get("type")));
        List<Map<String, Object>> command = list(map(map(named(docs, "KafkaUser", "command-service"), "spec"),
                "authorization"), "acls");
        command.add(acl("topic", "*", "literal", "Read"));
        command.add(acl("topic", "orders.events.v1.dlq", "literal", "All"));
        command.add(acl("cluster", null, null, "IdempotentWrite"));
        String problems = String.join("\n", aclProblems(docs));
        assertTrue(problems.contains("Write on topic orders.events.v1: [command-service, orders-dlq-replay, "
                + "projector], allowed [command-service, orders-dlq-replay]"), problems);
        assertTrue(problems.contains("KafkaUser/command-service: topic * is not a single topic"), problems);
        assertTrue(problems.contains("KafkaUser/command-service: operation All on topic orders.events.v1.dlq"),
                problems);
        assertTrue(problems.contains("KafkaUser/command-service: a cluster ACL"), problems);
        assertTrue(problems.contains("group literal:orders-projector: [], allowed [projector]"), problems);
        assertTrue(problems.contains("KafkaUser/projector: may not use group orders-projector, which projector's "
                + "configuration consumes in"), problems);
    }

    static List<String> aclProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Set<String> topics = new TreeSet<>();
        ofKind(docs, "KafkaTopic").forEach(t -> topics.add(topicName(t)));
        Map<String, Map<String, Set<String>>> topicAccess = new TreeMap<>();
        Map<String, Set<String>> groupAccess = new TreeMap<>();
        GROUP_ACCESS.keySet().forEach(g -> groupAccess.put(g, new TreeSet<>()));
        for (Map<String, Object> u : ofKind(docs, "KafkaUser")) {
            String user = name(u);
            String where = describe(u);
            Map<String, Object> authorization = map(map(u, "spec"), "authorization");
            if (!"simple".equals(authorization.get("type"))) {
                problems.add(where + ": no simple authorization (ACLs)");
            }
            for (Map<String, Object> acl : list(authorization, "acls")) {
                if ("deny".equals(acl.get("type"))) {
                    continue; // takes rights away
                }
                Map<String, Object> resource = map(acl, "resource");
                String type = String.valueOf(resource.get("type"));
                String name = String.valueOf(resource.get("name"));
                String pattern = String.valueOf(resource.getOrDefault("patternType", "literal"));
                List<?> operations = acl.get("operations") instanceof List<?> l ? l : List.of();
                if (!type.equals("topic") && !type.equals("group")) {
                    problems.add(where + ": a " + type + " ACL " + operations + ": no client needs one (an idempotent "
                            + "producer needs only Write on its topics, KIP-679)");
                    continue;
                }
                if (name.isBlank() || name.contains("*") || "null".equals(name)) {
                    problems.add(where + ": " + type + " " + name + " is not a single " + type);
                    continue;
                }
                for (Object op : operations) {
                    Set<String> allowed = type.equals("topic") ? Set.of("Read", "Write", "Describe")
                            : Set.of("Read", "Describe");
                    if (!allowed.contains(String.valueOf(op))) {
                        problems.add(where + ": operation " + op + " on " + type + " " + name + " (allowed: " + allowed
                                + ")");
                    }
                }
                if (type.equals("topic")) {
                    if (!pattern.equals("literal")) {
                        problems.add(where + ": topic " + name + " by " + pattern + ": name each topic");
                    }
                    if (!topics.contains(name)) {
                        problems.add(where + ": topic " + name + " is not a KafkaTopic of the overlay");
                    }
                    if (operations.contains("Describe") && !operations.contains("Read")
                            && !operations.contains("Write")) {
                        problems.add(where + ": Describe alone on topic " + name);
                    }
                    for (String op : List.of("Read", "Write")) {
                        if (operations.contains(op)) {
                            topicAccess.computeIfAbsent(name, t -> new TreeMap<>())
                                    .computeIfAbsent(op, o -> new TreeSet<>()).add(user);
                        }
                    }
                } else {
                    groupAccess.computeIfAbsent(pattern + ":" + name, g -> new TreeSet<>()).add(user);
                }
            }
        }
        Set<String> allTopics = new TreeSet<>(TOPIC_ACCESS.keySet());
        allTopics.addAll(topicAccess.keySet());
        for (String topic : allTopics) {
            for (String op : List.of("Write", "Read")) {
                Set<String> actual = topicAccess.getOrDefault(topic, Map.of()).getOrDefault(op, Set.of());
                Set<String> allowed = new TreeSet<>(
                        TOPIC_ACCESS.getOrDefault(topic, Map.of()).getOrDefault(op, Set.of()));
                if (!actual.equals(allowed)) {
                    problems.add(op + " on topic " + topic + ": " + actual + ", allowed " + allowed);
                }
            }
        }
        groupAccess.forEach((group, actual) -> {
            Set<String> allowed = new TreeSet<>(GROUP_ACCESS.getOrDefault(group, Set.of()));
            if (!actual.equals(allowed)) {
                problems.add("group " + group + ": " + actual + ", allowed " + allowed);
            }
        });
        problems.addAll(servicesGetWhatTheirConfigurationUses(docs));
        return problems;
    }

    /**
     * The other side of least privilege: each service's KafkaUser allows what its application.properties makes it do
     * (its incoming channels' topics and group, its outgoing channels' topics), or it would fail at run time.
     */
    static List<String> servicesGetWhatTheirConfigurationUses(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> u : ofKind(docs, "KafkaUser")) {
            String service = name(u);
            if (!SERVICES.contains(service)) {
                continue;
            }
            Map<String, String> props;
            try {
                props = Manifests.applicationProperties(service);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<Map<String, Object>> acls = list(map(map(u, "spec"), "authorization"), "acls");
            Pattern channel = Pattern.compile("mp\\.messaging\\.(incoming|outgoing)\\.([^.]+)\\.(topics?|group\\.id)");
            for (Map.Entry<String, String> p : props.entrySet()) {
                Matcher m = channel.matcher(p.getKey());
                if (!m.matches()) {
                    continue;
                }
                String value = resolve(props, p.getValue());
                if (m.group(3).equals("group.id")) {
                    if (!allows(acls, "group", value, "Read")) {
                        problems.add(describe(u) + ": may not use group " + value + ", which " + service
                                + "'s configuration consumes in (" + p.getKey() + ")");
                    }
                    continue;
                }
                String op = m.group(1).equals("incoming") ? "Read" : "Write";
                for (String topic : value.split(",")) {
                    if (!allows(acls, "topic", topic.trim(), op)) {
                        problems.add(describe(u) + ": may not " + op + " " + topic.trim() + " (" + p.getKey() + ")");
                    }
                }
            }
        }
        return problems;
    }

    /** A property value with {@code ${key}} references to other properties resolved (not environment variables). */
    private static String resolve(Map<String, String> props, String value) {
        Matcher ref = Pattern.compile("\\$\\{([a-z0-9.-]+)}").matcher(value);
        StringBuilder out = new StringBuilder();
        while (ref.find()) {
            ref.appendReplacement(out, Matcher.quoteReplacement(props.getOrDefault(ref.group(1), ref.group())));
        }
        return ref.appendTail(out).toString();
    }

    private static boolean allows(List<Map<String, Object>> acls, String type, String name, String operation) {
        return acls.stream().filter(a -> !"deny".equals(a.get("type"))).anyMatch(a -> {
            Map<String, Object> r = map(a, "resource");
            boolean prefix = "prefix".equals(r.get("patternType"));
            String n = String.valueOf(r.get("name"));
            return type.equals(r.get("type")) && (prefix ? name.startsWith(n) : name.equals(n))
                    && a.get("operations") instanceof List<?> ops && ops.contains(operation);
        });
    }

    /** A KafkaTopic's topic: spec.topicName, else its own name. */
    static String topicName(Map<String, Object> topic) {
        return String.valueOf(map(topic, "spec").getOrDefault("topicName", name(topic)));
    }

    private static Map<String, Object> acl(String type, String name, String pattern, String operation) {
        Map<String, Object> resource = new HashMap<>();
        resource.put("type", type);
        if (name != null) {
            resource.put("name", name);
            resource.put("patternType", pattern);
        }
        return new HashMap<>(Map.of("resource", resource, "operations", List.of(operation)));
    }

    // --- topics --------------------------------------------------------------------------------------------------

    @Test
    void everyTopicStatesItsRetention() {
        List<String> problems = retentionProblems(render(PROD));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Controls: the dead-letter topic on the broker's default retention, an event topic that deletes, both fail. */
    @Test
    void aTopicWithoutRetentionOrAnEventTopicThatDeletesFails() {
        List<Map<String, Object>> docs = render(PROD);
        map(map(named(docs, "KafkaTopic", "orders-events-v1-dlq"), "spec"), "config").remove("retention.ms");
        map(map(named(docs, "KafkaTopic", "catalog-events-v1"), "spec"), "config").put("retention.ms", 604800000);
        String problems = String.join("\n", retentionProblems(docs));
        assertTrue(problems.contains("orders.events.v1.dlq: no retention.ms"), problems);
        assertTrue(problems.contains("catalog.events.v1: retention.ms 604800000"), problems);
    }

    static List<String> retentionProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> t : ofKind(docs, "KafkaTopic")) {
            String topic = topicName(t);
            Object retention = map(map(t, "spec"), "config").get("retention.ms");
            if (retention == null) {
                problems.add(topic + ": no retention.ms (the broker's default, 7 days, would apply unseen)");
            } else if (EVENT_TOPICS.contains(topic) && Long.parseLong(String.valueOf(retention)) != -1) {
                problems.add(topic + ": retention.ms " + retention + ": an event topic keeps every event (-1), the "
                        + "read-model rebuild replays it from the start");
            } else if (!EVENT_TOPICS.contains(topic) && Long.parseLong(String.valueOf(retention)) <= 0) {
                problems.add(topic + ": retention.ms " + retention + ": not an event topic, keep it for a finite time");
            }
        }
        return problems;
    }

    // --- metrics -------------------------------------------------------------------------------------------------

    @Test
    void kafkaMetricsAreExportedAndScraped() {
        List<String> problems = metricsProblems(render(PROD));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Controls: an exporter blind to the dead-letter replay group, and no PodMonitor for it, fail. */
    @Test
    void anExporterBlindToAnAlertsGroupOrUnscrapedFails() {
        List<Map<String, Object>> docs = render(PROD);
        map(map(named(docs, "Kafka", "orders"), "spec"), "kafkaExporter").put("groupRegex", "^orders-projector$");
        docs.remove(named(docs, "PodMonitor", "orders-kafka-exporter"));
        String problems = String.join("\n", metricsProblems(docs));
        assertTrue(problems.contains("groupRegex ^orders-projector$ misses orders-dlq-replay"), problems);
        assertTrue(problems.contains("no PodMonitor scrapes tcp-prometheus of the Kafka Exporter"), problems);
    }

    static List<String> metricsProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        // what the alerts select from the Kafka Exporter
        Set<String> groups = new TreeSet<>(Set.of("orders-projector-rebuild-20260101120000"));
        Set<String> alertTopics = new TreeSet<>();
        for (Map<String, Object> rule : ofKind(docs, "PrometheusRule")) {
            for (Map<String, Object> g : list(map(rule, "spec"), "groups")) {
                for (Map<String, Object> r : list(g, "rules")) {
                    String expr = String.valueOf(r.get("expr"));
                    Matcher m = Pattern.compile("consumergroup=\"([^\"]+)\"").matcher(expr);
                    while (m.find()) {
                        groups.add(m.group(1));
                    }
                    m = Pattern.compile("\\btopic=\"([^\"]+)\"").matcher(expr);
                    while (m.find()) {
                        alertTopics.add(m.group(1));
                    }
                }
            }
        }
        assertFalse(groups.size() < 3, "the alerts select orders-projector and orders-dlq-replay: " + groups);
        for (Map<String, Object> k : ofKind(docs, "Kafka")) {
            String cluster = name(k);
            Map<String, Object> spec = map(k, "spec");
            // JMX exporter on the nodes, with rules from a rendered ConfigMap
            Map<String, Object> metrics = map(map(spec, "kafka"), "metricsConfig");
            Map<String, Object> ref = map(map(metrics, "valueFrom"), "configMapKeyRef");
            Object rules = Manifests.find(docs, "ConfigMap", String.valueOf(ref.get("name")))
                    .map(c -> map(c, "data").get(String.valueOf(ref.get("key"))))
                    .map(text -> new Yaml(new LoaderOptions()).load(String.valueOf(text)))
                    .map(y -> y instanceof Map<?, ?> yaml ? yaml.get("rules") : null).orElse(null);
            if (!"jmxPrometheusExporter".equals(metrics.get("type")) || !(rules instanceof List<?> l) || l.isEmpty()) {
                problems.add(describe(k) + ": no metricsConfig with JMX exporter rules from a rendered ConfigMap");
            }
            // the Kafka Exporter sees the alerts' groups and topics, and every topic of the overlay, not Kafka's own
            Map<String, Object> exporter = map(spec, "kafkaExporter");
            if (!spec.containsKey("kafkaExporter")) {
                problems.add(describe(k) + ": no kafkaExporter (consumer lag, topic offsets)");
            }
            String groupRegex = String.valueOf(exporter.getOrDefault("groupRegex", ".*"));
            for (String group : groups) {
                if (!Pattern.compile(groupRegex).matcher(group).find()) {
                    problems.add(describe(k) + ": kafkaExporter.groupRegex " + groupRegex + " misses " + group);
                }
            }
            String topicRegex = String.valueOf(exporter.getOrDefault("topicRegex", ".*"));
            Set<String> topics = new TreeSet<>(alertTopics);
            ofKind(docs, "KafkaTopic").forEach(t -> topics.add(topicName(t)));
            for (String topic : topics) {
                if (!Pattern.compile(topicRegex).matcher(topic).find()) {
                    problems.add(describe(k) + ": kafkaExporter.topicRegex " + topicRegex + " misses " + topic);
                }
            }
            if (Pattern.compile(topicRegex).matcher("__consumer_offsets").find()) {
                problems.add(describe(k) + ": kafkaExporter.topicRegex " + topicRegex + " takes Kafka's internal "
                        + "topics");
            }
            if (!Boolean.TRUE.equals(exporter.getOrDefault("showAllOffsets", true))) {
                problems.add(describe(k) + ": kafkaExporter.showAllOffsets false hides the replay group between runs");
            }
            // PodMonitors: the nodes of every pool, and the exporter (the labels Strimzi gives their pods)
            Map<String, Map<String, Object>> targets = new LinkedHashMap<>();
            for (Map<String, Object> pool : ofKind(docs, "KafkaNodePool")) {
                Map<String, Object> labels = new HashMap<>(Map.of("strimzi.io/cluster", cluster, "strimzi.io/kind",
                        "Kafka", "strimzi.io/name", cluster + "-kafka", "strimzi.io/pool-name", name(pool)));
                for (Object role : map(pool, "spec").get("roles") instanceof List<?> r ? r : List.of()) {
                    labels.put("strimzi.io/" + role + "-role", "true");
                }
                targets.put("the nodes of " + describe(pool), labels);
            }
            targets.put("the Kafka Exporter", Map.of("strimzi.io/cluster", cluster, "strimzi.io/kind", "Kafka",
                    "strimzi.io/name", cluster + "-kafka-exporter"));
            targets.forEach((what, labels) -> {
                boolean scraped = ofKind(docs, "PodMonitor").stream()
                        .filter(pm -> Manifests.selects(map(map(pm, "spec"), "selector"), labels))
                        .flatMap(pm -> list(map(pm, "spec"), "podMetricsEndpoints").stream())
                        .anyMatch(e -> "tcp-prometheus".equals(e.get("port")));
                if (!scraped) {
                    problems.add(describe(k) + ": no PodMonitor scrapes tcp-prometheus of " + what);
                }
            });
        }
        return problems;
    }
}
