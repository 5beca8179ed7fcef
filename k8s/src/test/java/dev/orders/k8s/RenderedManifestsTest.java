package dev.orders.k8s;

import static dev.orders.k8s.Manifests.REPO;
import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.containers;
import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.find;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.render;
import static dev.orders.k8s.Manifests.workloads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders every kustomization under k8s/ (the base and each overlay) with {@code kubectl kustomize} and checks what
 * it renders, the way a cluster would receive it. Pods that operators create (CloudNativePG, Strimzi) are not
 * rendered here; their custom resources are checked by {@link OperatorResourcesTest}.
 */
class RenderedManifestsTest {

    /**
     * Every container of every rendered pod template: requests and limits, a hardened security context; every
     * long-running container: startup, liveness and readiness probes on a port it declares (the services' on
     * /q/health/started|live|ready of the management port, see {@link ManagementInterfaceTest}). A Job's
     * container runs to completion, so probes do not apply to it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void everyContainerHasProbesResourcesAndAHardenedSecurityContext(String dir) {
        for (Map.Entry<Map<String, Object>, Map<String, Object>> w : workloads(render(dir))) {
            String name = describe(w.getKey());
            Map<String, Object> pod = w.getValue();
            assertEquals(Boolean.FALSE, pod.get("enableServiceLinks"), name + ": service links clash with *_PORT settings");
            assertEquals(Boolean.FALSE, pod.get("automountServiceAccountToken"), name + ": no service-account token");
            for (Map<String, Object> c : containers(pod)) {
                String where = name + "/" + c.get("name");
                Map<String, Object> resources = map(c, "resources");
                for (String kind : List.of("requests", "limits")) {
                    for (String r : List.of("cpu", "memory")) {
                        assertNotNull(map(resources, kind).get(r), where + ": resources." + kind + "." + r);
                    }
                }
                Map<String, Object> sc = map(c, "securityContext");
                assertEquals(Boolean.TRUE, sc.get("readOnlyRootFilesystem"), where + ": read-only root filesystem");
                assertEquals(Boolean.FALSE, sc.get("allowPrivilegeEscalation"), where + ": no privilege escalation");
                assertEquals(List.of("ALL"), map(sc, "capabilities").get("drop"), where + ": drops all capabilities");
            }
            if (List.of("Job", "CronJob").contains(w.getKey().get("kind"))) {
                continue;
            }
            for (Map<String, Object> c : list(pod, "containers")) {
                String where = name + "/" + c.get("name");
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    Map<String, Object> p = map(c, probe);
                    assertTrue(p.containsKey("httpGet") || p.containsKey("tcpSocket") || p.containsKey("exec")
                            || p.containsKey("grpc"), where + ": " + probe);
                    // a probe's named port must be one the container declares, or the kubelet cannot resolve it
                    for (String action : List.of("httpGet", "tcpSocket")) {
                        Object port = map(p, action).get("port");
                        if (port instanceof String named) {
                            assertTrue(list(c, "ports").stream().anyMatch(cp -> named.equals(cp.get("name"))),
                                    where + ": " + probe + " on port " + named + ", which the container does not declare");
                        }
                    }
                    if (SERVICES.contains(c.get("name"))) {
                        // the management interface (quarkus.management.enabled); /q/* on the API port answers 404
                        Map<String, Object> get = map(p, "httpGet");
                        assertEquals(ManagementInterfaceTest.PROBES.get(probe), get.get("path"), where + ": " + probe + " path");
                        assertEquals(ManagementInterfaceTest.PORT_NAME, get.get("port"), where + ": " + probe + " port");
                    }
                }
            }
        }
    }

    /** The "restricted" Pod Security Standard (the dev namespace enforces it), checked on the pod specs. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void podsMeetTheRestrictedPodSecurityStandard(String dir) {
        for (Map.Entry<Map<String, Object>, Map<String, Object>> w : workloads(render(dir))) {
            String name = describe(w.getKey());
            Map<String, Object> pod = w.getValue();
            Map<String, Object> psc = map(pod, "securityContext");
            assertEquals(Boolean.TRUE, psc.get("runAsNonRoot"), name + ": runAsNonRoot");
            assertNotEquals(0, psc.get("runAsUser"), name + ": not uid 0");
            assertEquals("RuntimeDefault", map(psc, "seccompProfile").get("type"), name + ": seccomp RuntimeDefault");
            for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
                assertNotEquals(Boolean.TRUE, pod.get(host), name + ": " + host);
            }
            for (Map<String, Object> v : list(pod, "volumes")) {
                assertFalse(v.containsKey("hostPath"), name + ": hostPath volume " + v.get("name"));
            }
            for (Map<String, Object> c : containers(pod)) {
                String where = name + "/" + c.get("name");
                Map<String, Object> sc = map(c, "securityContext");
                assertNotEquals(Boolean.TRUE, sc.get("privileged"), where + ": privileged");
                assertNotEquals(0, sc.get("runAsUser"), where + ": not uid 0");
                Object add = map(sc, "capabilities").get("add");
                assertTrue(add == null || List.of("NET_BIND_SERVICE").containsAll((List<?>) add), where + ": adds " + add);
                for (Map<String, Object> port : list(c, "ports")) {
                    assertFalse(port.containsKey("hostPort"), where + ": hostPort");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void everyServiceHasAnAutoscalerWithStabilizationABudgetAPolicyAndAService(String dir) {
        List<Map<String, Object>> docs = render(dir);
        for (String name : SERVICES) {
            named(docs, "Deployment", name);
            Map<String, Object> hpa = named(docs, "HorizontalPodAutoscaler", name);
            Object window = map(map(map(hpa, "spec"), "behavior"), "scaleDown").get("stabilizationWindowSeconds");
            assertTrue(window instanceof Integer w && w >= 60, name + ": scale-down stabilization window");
            named(docs, "PodDisruptionBudget", name);
            named(docs, "NetworkPolicy", name);
            named(docs, "Service", name);
        }
    }

    /**
     * The services' NetworkPolicies: DNS (UDP and TCP 53) to any destination, since the resolver need not be a
     * kube-dns pod (NodeLocal DNSCache, OpenShift); ingress only from namespaces named by a label selector, never an
     * empty namespaceSelector (any namespace) or an ipBlock.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void networkPoliciesResolveDnsAnywhereAndAdmitOnlyNamedNamespaces(String dir) {
        List<Map<String, Object>> docs = render(dir);
        for (String service : SERVICES) {
            Map<String, Object> spec = map(named(docs, "NetworkPolicy", service), "spec");
            for (String protocol : List.of("UDP", "TCP")) {
                boolean dns = list(spec, "egress").stream()
                        .filter(rule -> list(rule, "to").isEmpty())
                        .flatMap(rule -> list(rule, "ports").stream())
                        .anyMatch(port -> Integer.valueOf(53).equals(port.get("port"))
                                && protocol.equals(port.getOrDefault("protocol", "TCP")));
                assertTrue(dns, dir + " " + service + ": egress to port 53/" + protocol + " with no destination selector");
            }
            for (Map<String, Object> rule : list(spec, "ingress")) {
                List<Map<String, Object>> from = list(rule, "from");
                assertFalse(from.isEmpty(), dir + " " + service + ": an ingress rule without `from` admits everyone");
                for (Map<String, Object> peer : from) {
                    assertFalse(peer.containsKey("ipBlock"), dir + " " + service + ": ingress from an ipBlock");
                    if (peer.containsKey("namespaceSelector")) {
                        Map<String, Object> ns = map(peer, "namespaceSelector");
                        assertFalse(map(ns, "matchLabels").isEmpty() && list(ns, "matchExpressions").isEmpty(),
                                dir + " " + service + ": namespaceSelector {} admits every namespace");
                    }
                }
            }
        }
    }

    /**
     * Each environment key a service's containers get (ConfigMaps, rendered Secrets, env entries) must be one the
     * service actually reads, or a typo would be silently ignored: a key of its application.properties, a run-time
     * setting of one of its Quarkus extensions, or a documented exception ({@link ConfigKeys}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void configKeysAreOnesTheServicesRead(String dir) {
        List<String> problems = configKeyProblems(render(dir));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /**
     * Controls: misspelled keys (a Kafka client setting too), a key of an extension the service lacks (a Kafka setting
     * for query-service, which has no Kafka client), and a build-time key all fail.
     */
    @Test
    void configKeyCheckFailsOnTyposForeignAndBuildTimeKeys() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        Map<String, Object> command = map(named(docs, "ConfigMap", "command-service-config"), "data");
        command.put("ORDERS_OUTBOX_RELAY_ENABLD", "false");
        command.put("QUARKUS_DATASOURCE_REACTIVE_MAXSIZE", "8");
        command.put("QUARKUS_DATASOURCE_HEALTH_EXCLUDE", "false");
        command.put("KAFKA_SASL_JASS_CONFIG", "x");
        Map<String, Object> query = map(named(docs, "ConfigMap", "query-service-config"), "data");
        query.put("QUARKUS_FLYWAY_INIT_SQL", "SET x = 1");
        query.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        List<String> problems = configKeyProblems(docs);
        for (String key : List.of("ORDERS_OUTBOX_RELAY_ENABLD", "QUARKUS_DATASOURCE_REACTIVE_MAXSIZE",
                "QUARKUS_DATASOURCE_HEALTH_EXCLUDE", "QUARKUS_FLYWAY_INIT_SQL", "KAFKA_SASL_JASS_CONFIG",
                "KAFKA_SECURITY_PROTOCOL")) {
            assertTrue(problems.stream().anyMatch(p -> p.contains(": " + key + " is ")), key + " caught: " + problems);
        }
        assertTrue(problems.stream().anyMatch(p -> p.contains("fixed at build time")), String.join("\n", problems));
    }

    /** Valid Quarkus settings that no application.properties mentions are accepted; so are named datasources. */
    @Test
    void configKeyCheckAcceptsQuarkusSettingsBeyondApplicationProperties() {
        for (String key : List.of("QUARKUS_HTTP_IDLE_TIMEOUT", "QUARKUS_LOG_LEVEL", "QUARKUS_SHUTDOWN_DELAY",
                "QUARKUS_DATASOURCE__PRIMARY__REACTIVE_IDLE_TIMEOUT", "QUARKUS_REDIS_PASSWORD", "MP_JWT_VERIFY_AUDIENCES")) {
            assertNull(ConfigKeys.problem("query-service", key), key);
        }
        assertNull(ConfigKeys.problem("command-service", "QUARKUS_FLYWAY_CONNECT_RETRIES"));
        assertNotNull(ConfigKeys.problem("projector", "MP_JWT_VERIFY_AUDIENCES"), "the projector verifies no tokens");
    }

    /**
     * The Kafka clients' own settings as {@code kafka.*} defaults (KAFKA_SECURITY_PROTOCOL is security.protocol, read
     * by every channel's clients) are accepted for the services with Kafka clients, and only for them.
     */
    @Test
    void configKeyCheckAcceptsKafkaClientSettingsOfKafkaClients() {
        for (String service : List.of("command-service", "projector")) {
            for (String key : List.of("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_JAAS_CONFIG",
                    "KAFKA_SSL_TRUSTSTORE_TYPE", "KAFKA_SSL_TRUSTSTORE_LOCATION", "KAFKA_CLIENT_DNS_LOOKUP")) {
                assertNull(ConfigKeys.problem(service, key), service + " " + key);
            }
        }
        assertNull(ConfigKeys.problem("command-service", "KAFKA_LINGER_MS"), "a producer setting");
        assertNull(ConfigKeys.problem("projector", "KAFKA_MAX_POLL_RECORDS"), "a consumer setting");
        assertNotNull(ConfigKeys.problem("projector", "KAFKA_SSL_TRUSTSTORE_LOCATIONS"), "misspelled");
        assertNotNull(ConfigKeys.problem("query-service", "KAFKA_SASL_JAAS_CONFIG"), "query-service has no Kafka client");
    }

    /**
     * prod names the token issuer and audience for every service that verifies tokens: left alone,
     * mp.jwt.verify.issuer would be dev's https://orders.local (application.properties).
     */
    @Test
    void prodSetsTheJwtIssuerAndAudienceOfEveryServiceThatVerifiesTokens() throws Exception {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        int verifying = 0;
        for (String service : SERVICES) {
            if (!Manifests.applicationProperties(service).containsKey("mp.jwt.verify.issuer")) {
                continue;
            }
            verifying++;
            Map<String, String> env = environment(docs, Manifests.mainContainer(named(docs, "Deployment", service)));
            String issuer = env.getOrDefault("MP_JWT_VERIFY_ISSUER", env.get("ORDERS_JWT_ISSUER"));
            assertNotNull(issuer, service + ": prod sets MP_JWT_VERIFY_ISSUER");
            assertNotEquals("https://orders.local", issuer, service + ": prod's issuer is not dev's");
            assertNotNull(env.getOrDefault("MP_JWT_VERIFY_AUDIENCES", env.get("ORDERS_JWT_AUDIENCE")),
                    service + ": prod names the audience its tokens must carry (MP_JWT_VERIFY_AUDIENCES)");
        }
        assertEquals(2, verifying, "command-service and query-service verify tokens");
    }

    /**
     * The prod profile has no default password or cursor key ({@code %prod.<key>=${VAR}}, so a missing one stops
     * start-up): every container running a service's image gets VAR or the key's own variable, and the active cursor
     * key's secret. dev renders its Secrets, so they are checked here; prod's are created by hand from k8s/README.md,
     * whose {@code <app>-config-creds} command must name them.
     */
    @Test
    void everySecretTheProdProfileRequiresIsSet() throws Exception {
        List<Map<String, Object>> docs = render("k8s/overlays/dev");
        String readme = Files.readString(REPO.resolve("k8s/README.md"), StandardCharsets.UTF_8);
        int checked = 0;
        for (String service : SERVICES) {
            Map<String, List<String>> required = new java.util.LinkedHashMap<>();
            Manifests.applicationProperties(service).forEach((key, value) -> {
                java.util.regex.Matcher var = java.util.regex.Pattern.compile("\\$\\{([A-Z0-9_]+)}").matcher(value);
                if (key.startsWith("%prod.") && var.matches()) {
                    required.put(key.substring("%prod.".length()),
                            List.of(var.group(1), ConfigKeys.env(key.substring("%prod.".length()))));
                }
            });
            assertFalse(required.isEmpty(), service + ": its prod profile requires a password");
            String creds = creationCommand(readme, service + "-config-creds");
            for (Map.Entry<String, List<String>> r : required.entrySet()) {
                assertTrue(r.getValue().stream().anyMatch(creds::contains),
                        "k8s/README.md creates " + service + "-config-creds without any of " + r.getValue());
            }
            for (Map<String, Object> c : containers(Manifests.podSpec(named(docs, "Deployment", service)))) {
                if (!String.valueOf(c.get("image")).contains("/" + service)) {
                    continue;
                }
                Map<String, String> env = environment(docs, c);
                for (Map.Entry<String, List<String>> r : required.entrySet()) {
                    assertTrue(r.getValue().stream().anyMatch(env::containsKey),
                            service + "/" + c.get("name") + ": " + r.getKey() + " needs one of " + r.getValue());
                    checked++;
                }
                String activeCursorKey = env.get("ORDERS_CURSOR_ACTIVE_KEY");
                if (activeCursorKey != null) {
                    String secret = "ORDERS_CURSOR_KEYS_" + activeCursorKey.toUpperCase();
                    assertNotNull(env.get(secret), service + ": the active cursor key's secret " + secret);
                    assertTrue(creds.contains("ORDERS_CURSOR_KEYS_"), "k8s/README.md: " + service + "'s cursor key");
                }
            }
        }
        assertTrue(checked >= 5, "passwords of command-service, the projector and query-service (2), its cursor key");
    }

    /** The {@code kubectl create secret generic NAME} command of k8s/README.md, continuation lines included. */
    private static String creationCommand(String readme, String name) {
        int at = readme.indexOf("create secret generic " + name + " ");
        assertTrue(at >= 0, "k8s/README.md creates the Secret " + name);
        StringBuilder command = new StringBuilder();
        for (String line : readme.substring(at).lines().toList()) {
            command.append(line).append('\n');
            if (!line.stripTrailing().endsWith("\\")) {
                break;
            }
        }
        return command.toString();
    }

    static List<String> configKeyProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (String service : SERVICES) {
            for (Map<String, Object> c : containers(Manifests.podSpec(named(docs, "Deployment", service)))) {
                for (String key : environment(docs, c).keySet()) {
                    String problem = ConfigKeys.problem(service, key);
                    if (problem != null) {
                        problems.add(service + "/" + c.get("name") + ": " + problem);
                    }
                }
            }
        }
        return problems;
    }

    /**
     * Flyway runs in the init container of every new pod (all but the first find nothing to do), straight to
     * Postgres (DDL and advisory locks do not belong behind transaction pooling), with the role's statement and lock
     * timeouts lifted for its own sessions; the main container does not migrate.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void migrationsGoStraightToPostgres(String dir) {
        List<Map<String, Object>> docs = render(dir);
        ConnectionBudget topology = new ConnectionBudget(docs);
        int migrating = 0;
        for (String service : SERVICES) {
            Map<String, Object> deployment = named(docs, "Deployment", service);
            Map<String, Object> pod = Manifests.podSpec(deployment);
            Map<String, String> main = environment(docs, Manifests.mainContainer(deployment));
            assertNotEquals("true", main.get("QUARKUS_FLYWAY_MIGRATE_AT_START"), service + ": main container migrates");
            assertNull(main.get("QUARKUS_FLYWAY_INIT_SQL"), service + ": only the migration container lifts the limits");
            for (Map<String, Object> init : list(pod, "initContainers")) {
                Map<String, String> env = environment(docs, init);
                if (!"true".equals(env.get("QUARKUS_FLYWAY_MIGRATE_AT_START"))) {
                    continue;
                }
                migrating++;
                assertEquals("true", env.get("QUARKUS_INIT_AND_EXIT"), service + ": migration container exits");
                String initSql = String.valueOf(env.get("QUARKUS_FLYWAY_INIT_SQL")).replaceAll("\\s+", " ");
                assertTrue(initSql.contains("SET statement_timeout = 0") && initSql.contains("SET lock_timeout ="),
                        service + ": Flyway lifts the role's statement_timeout and lock_timeout, got " + initSql);
                String host = Manifests.PgUrl.parse(env.get("QUARKUS_DATASOURCE_JDBC_URL")).host();
                assertTrue(topology.bouncer(host).isEmpty(), service + ": Flyway goes through PgBouncer at " + host);
                assertNotNull(topology.server(host), service + ": Flyway reaches Postgres at " + host);
            }
        }
        assertEquals(2, migrating, "command-service and projector migrate in init containers");
    }

    /**
     * dev creates every credential itself: each service's login must be in PgBouncer's userlist with the same
     * password, and be the role Postgres is initialized with.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void renderedCredentialsAgreeWithPgBouncerAndPostgres(String dir) {
        List<Map<String, Object>> docs = render(dir);
        Map<String, String> userlist = new java.util.HashMap<>();
        for (Map<String, Object> s : Manifests.ofKind(docs, "Secret")) {
            Object file = map(s, "data").get("userlist.txt");
            if (file != null) {
                for (String line : new String(java.util.Base64.getMimeDecoder().decode(String.valueOf(file)),
                        StandardCharsets.UTF_8).lines().toList()) {
                    String[] parts = line.trim().split("\"\\s+\"");
                    if (parts.length == 2) {
                        userlist.put(parts[0].replace("\"", ""), parts[1].replace("\"", ""));
                    }
                }
            }
        }
        if (userlist.isEmpty()) {
            return; // no rendered userlist: the operator (CloudNativePG auth_query) or the platform provides logins
        }
        Map<String, String> roles = new java.util.HashMap<>();
        find(docs, "Secret", "postgres-credentials").or(() -> Manifests.ofKind(docs, "Secret").stream()
                .filter(s -> Manifests.name(s).startsWith("postgres-credentials")).findFirst()).ifPresent(s -> {
                    Map<String, String> env = environment(docs, Map.of("envFrom",
                            List.of(Map.of("secretRef", Map.of("name", Manifests.name(s))))));
                    roles.put(env.get("ORDERS_DB_USER"), env.get("ORDERS_DB_PASSWORD"));
                    roles.put(env.get("ORDERS_READER_USER"), env.get("ORDERS_READER_PASSWORD"));
                });
        for (String service : SERVICES) {
            Map<String, String> env = environment(docs, Manifests.mainContainer(named(docs, "Deployment", service)));
            for (String prefix : List.of("QUARKUS_DATASOURCE_", "QUARKUS_DATASOURCE__PRIMARY__")) {
                String user = env.get(prefix + "USERNAME");
                if (user == null) {
                    continue;
                }
                String where = service + " " + prefix + "USERNAME=" + user;
                assertEquals(env.get(prefix + "PASSWORD"), userlist.get(user), where + ": password in PgBouncer's userlist");
                assertEquals(env.get(prefix + "PASSWORD"), roles.get(user), where + ": password of the Postgres role");
            }
        }
    }
}
