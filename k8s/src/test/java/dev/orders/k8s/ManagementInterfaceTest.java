package dev.orders.k8s;

import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.mainContainer;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.podLabels;
import static dev.orders.k8s.Manifests.render;
import static dev.orders.k8s.Manifests.selects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The services serve /q/health/*, /q/metrics and /q/openapi on Quarkus's management interface, a port of its own,
 * not on the API port (where /q/* answers 404). In every kustomization:
 * <ul>
 * <li>each service's container declares that port, named {@code management}, and sets it
 * ({@code QUARKUS_MANAGEMENT_PORT});</li>
 * <li>its startup, liveness and readiness probes ask {@code /q/health/started|live|ready} on it;</li>
 * <li>the API Service (named like the service) does not expose it;</li>
 * <li>the ServiceMonitor, where one is rendered, scrapes {@code /q/metrics} on the Service port {@code management}
 * of Services that expose nothing else, and reaches every service that way;</li>
 * <li>no NetworkPolicy admits anyone but the {@code monitoring} namespace to it, and one does admit that namespace
 * (or Prometheus could not scrape). The kubelet's probes come from the node, which NetworkPolicy always admits.</li>
 * </ul>
 * Controls change the rendered objects and expect each breach to be reported.
 */
class ManagementInterfaceTest {

    /** The management port of each service, in the container (the API ports are 8081, 8082, 8083). */
    static final Map<String, Integer> MANAGEMENT_PORTS =
            Map.of("command-service", 9081, "query-service", 9082, "projector", 9083);

    static final String PORT_NAME = "management";

    /** The namespace Prometheus runs in, named by its kubernetes.io/metadata.name label (as the policies do). */
    static final String MONITORING = "monitoring";

    static final Map<String, String> PROBES = Map.of(
            "startupProbe", "/q/health/started",
            "livenessProbe", "/q/health/live",
            "readinessProbe", "/q/health/ready");

    /**
     * How long the services' health checks wait for a dependency before they answer DOWN with its name (PoolReadiness,
     * PrimaryReadiness: 3 s). A probe must wait longer: with the kubelet's default of 1 s, a check slowed by a busy
     * pod (CPU throttled under load, a collection) failed the probe, and twice in a row took the pod out of service,
     * or thrice restarted it, moving its load onto the others.
     */
    static final int CHECK_DEADLINE_SECONDS = 3;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void managementInterfaceIsProbedScrapedAndReachableOnlyFromMonitoring(String dir) {
        List<String> problems = problems(render(dir));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /**
     * The manifests probe and scrape a port that only exists if the service enables Quarkus's management interface
     * (a build-time setting, so it must be in application.properties) on the same port number.
     */
    @Test
    void theServicesEnableTheirManagementInterfaceOnThesePorts() throws Exception {
        for (String service : SERVICES) {
            Map<String, String> props = Manifests.applicationProperties(service);
            assertEquals("true", props.getOrDefault("quarkus.management.enabled", props.get("%prod.quarkus.management.enabled")),
                    service + ": application.properties sets quarkus.management.enabled=true (build time: the k8s "
                            + "manifests probe and scrape port " + MANAGEMENT_PORTS.get(service) + ")");
            String port = props.get("quarkus.management.port");
            if (port != null) {
                // ${SOME_VAR:9081} → its default
                String value = port.replaceFirst("^\\$\\{[^:}]*:([^}]*)}$", "$1");
                assertEquals(String.valueOf(MANAGEMENT_PORTS.get(service)), value,
                        service + ": quarkus.management.port in application.properties");
            }
        }
    }

    // --- controls ---------------------------------------------------------------------------------------------

    @Test
    void reportsAProbeOffTheManagementPortOrPath() {
        assertReported(docs -> probe(docs, "command-service", "readinessProbe").put("port", "http"),
                "command-service: readinessProbe on port http");
        assertReported(docs -> probe(docs, "projector", "livenessProbe").put("path", "/q/health/ready"),
                "projector: livenessProbe asks /q/health/ready");
    }

    @Test
    void reportsAProbeThatGivesUpBeforeTheChecksDo() {
        assertReported(docs -> map(mainContainer(named(docs, "Deployment", "query-service")), "readinessProbe")
                .remove("timeoutSeconds"), "query-service: readinessProbe gives up after 1 s");
        assertReported(docs -> map(mainContainer(named(docs, "Deployment", "projector")), "livenessProbe")
                .put("timeoutSeconds", 3), "projector: livenessProbe gives up after 3 s");
    }

    @Test
    void reportsAMissingOrMisnumberedManagementPort() {
        assertReported(docs -> list(mainContainer(named(docs, "Deployment", "query-service")), "ports")
                .removeIf(p -> PORT_NAME.equals(p.get("name"))), "query-service: declares no container port named management");
        assertReported(docs -> list(mainContainer(named(docs, "Deployment", "projector")), "ports").stream()
                .filter(p -> PORT_NAME.equals(p.get("name"))).forEach(p -> p.put("containerPort", 9000)),
                "projector: container port management is 9000");
        assertReported(docs -> list(mainContainer(named(docs, "Deployment", "command-service")), "env")
                .removeIf(e -> "QUARKUS_MANAGEMENT_PORT".equals(e.get("name"))),
                "command-service: QUARKUS_MANAGEMENT_PORT is null");
    }

    @Test
    void reportsTheManagementPortOnTheApiService() {
        assertReported(docs -> list(map(named(docs, "Service", "query-service"), "spec"), "ports")
                .add(new HashMap<>(Map.of("name", PORT_NAME, "port", 9082, "targetPort", PORT_NAME))),
                "query-service: Service/query-service exposes the management port");
    }

    @Test
    void reportsAServiceMonitorThatScrapesTheApiPort() {
        assertReported(docs -> list(map(named(docs, "ServiceMonitor", "orders"), "spec"), "endpoints").get(0)
                .put("port", "http"), "ServiceMonitor/orders: endpoint port http, not management");
        // selects the API Services as well: they expose the API port
        assertReported(docs -> map(map(named(docs, "ServiceMonitor", "orders"), "spec"), "selector")
                .remove("matchLabels"), "ServiceMonitor/orders: selects Service/command-service, which exposes");
        // selects no Service of the projector's
        assertReported(docs -> map(map(named(docs, "ServiceMonitor", "orders"), "spec"), "selector").put(
                "matchExpressions", List.of(Map.of("key", "app.kubernetes.io/name", "operator", "In",
                        "values", List.of("command-service", "query-service")))),
                "projector: no Service selected by ServiceMonitor/orders");
    }

    @Test
    void reportsANetworkPolicyThatOpensTheManagementPortBeyondMonitoring() {
        // the ingress controller's rule names the management port too
        assertReported(docs -> ingress(docs, "command-service").get(0).put("ports",
                List.of(Map.of("port", "http"), Map.of("port", PORT_NAME))),
                "command-service: NetworkPolicy/command-service admits {namespaceSelector={matchLabels={kubernetes.io/metadata.name=ingress-nginx}}}");
        // the ingress controller's rule without ports: every port, the management port included
        assertReported(docs -> ingress(docs, "query-service").get(0).remove("ports"),
                "query-service: NetworkPolicy/query-service admits {namespaceSelector={matchLabels={kubernetes.io/metadata.name=ingress-nginx}}}");
        // the management port by number, from the pods of the same namespace
        assertReported(docs -> ingress(docs, "projector").add(new HashMap<>(Map.of(
                "from", List.of(Map.of("podSelector", Map.of())), "ports", List.of(Map.of("port", 9083))))),
                "projector: NetworkPolicy/projector admits {podSelector={}}");
        // a port range that covers it, from the monitoring namespace and an ipBlock
        assertReported(docs -> ingress(docs, "projector").add(new HashMap<>(Map.of(
                "from", List.of(monitoringPeer(), Map.of("ipBlock", Map.of("cidr", "10.0.0.0/8"))),
                "ports", List.of(Map.of("port", 9000, "endPort", 9999))))),
                "projector: NetworkPolicy/projector admits {ipBlock=");
        // another policy, for every pod of the namespace, that admits everyone
        assertReported(docs -> docs.add(new HashMap<>(Map.of("apiVersion", "networking.k8s.io/v1",
                "kind", "NetworkPolicy", "metadata", Map.of("name", "allow-all"),
                "spec", Map.of("podSelector", Map.of(), "ingress", List.of(Map.of()))))),
                "command-service: NetworkPolicy/allow-all admits everyone");
        // and monitoring must get in, or nothing is scraped
        assertReported(docs -> ingress(docs, "query-service").removeIf(r -> list(r, "ports").stream()
                .anyMatch(p -> PORT_NAME.equals(p.get("port")))),
                "query-service: no NetworkPolicy admits the monitoring namespace to the management port");
    }

    /** Each control starts from a fresh rendering of prod (it has the ServiceMonitor) that passes. */
    private static void assertReported(Consumer<List<Map<String, Object>>> breach, String expected) {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        assertEquals(List.of(), problems(docs), "prod as rendered");
        breach.accept(docs);
        List<String> problems = problems(docs);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                "expected a problem containing \"" + expected + "\", got:\n" + String.join("\n", problems));
    }

    private static Map<String, Object> probe(List<Map<String, Object>> docs, String service, String probe) {
        return map(map(mainContainer(named(docs, "Deployment", service)), probe), "httpGet");
    }

    private static List<Map<String, Object>> ingress(List<Map<String, Object>> docs, String policy) {
        return list(map(named(docs, "NetworkPolicy", policy), "spec"), "ingress");
    }

    private static Map<String, Object> monitoringPeer() {
        return Map.of("namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", MONITORING)));
    }

    // --- the checks -------------------------------------------------------------------------------------------

    static List<String> problems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (String service : SERVICES) {
            int port = MANAGEMENT_PORTS.get(service);
            Map<String, Object> deployment = named(docs, "Deployment", service);
            Map<String, Object> container = mainContainer(deployment);
            Map<String, Integer> ports = containerPorts(container);

            // declared and set
            if (!ports.containsKey(PORT_NAME)) {
                problems.add(service + ": declares no container port named management");
            } else if (ports.get(PORT_NAME) != port) {
                problems.add(service + ": container port management is " + ports.get(PORT_NAME) + ", not " + port);
            }
            if (ports.get("http") == null || ports.get("http") == port) {
                problems.add(service + ": the API port (http) must be declared and differ from the management port");
            }
            String env = environment(docs, container).get("QUARKUS_MANAGEMENT_PORT");
            if (!String.valueOf(port).equals(env)) {
                problems.add(service + ": QUARKUS_MANAGEMENT_PORT is " + env + ", not " + port);
            }

            // probes
            PROBES.forEach((probe, path) -> {
                Map<String, Object> spec = map(container, probe);
                if (!probe.equals("startupProbe")) {
                    Object timeout = spec.get("timeoutSeconds");
                    int seconds = timeout instanceof Number n ? n.intValue() : 1; // the kubelet's default: 1 s
                    if (seconds <= CHECK_DEADLINE_SECONDS) {
                        problems.add(service + ": " + probe + " gives up after " + seconds + " s, not after the "
                                + "checks' own " + CHECK_DEADLINE_SECONDS + " s deadline");
                    }
                }
                Map<String, Object> get = map(spec, "httpGet");
                if (!PORT_NAME.equals(get.get("port"))) {
                    problems.add(service + ": " + probe + " on port " + get.get("port") + ", not management");
                }
                if (!path.equals(get.get("path"))) {
                    problems.add(service + ": " + probe + " asks " + get.get("path") + ", not " + path);
                }
            });

            // the API Service
            Map<String, Object> api = named(docs, "Service", service);
            for (Map<String, Object> p : list(map(api, "spec"), "ports")) {
                if (PORT_NAME.equals(p.get("name")) || targetsPort(p, ports, port)) {
                    problems.add(service + ": Service/" + service + " exposes the management port (" + p + ")");
                }
            }

            problems.addAll(networkPolicyProblems(docs, service, deployment, ports, port));
        }
        problems.addAll(serviceMonitorProblems(docs));
        return problems;
    }

    /** Every rendered ServiceMonitor scrapes /q/metrics on the management port of every service, and only that. */
    static List<String> serviceMonitorProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> monitor : ofKind(docs, "ServiceMonitor")) {
            String name = Manifests.describe(monitor);
            Map<String, Object> spec = map(monitor, "spec");
            for (Map<String, Object> endpoint : list(spec, "endpoints")) {
                if (!PORT_NAME.equals(endpoint.get("port")) || endpoint.containsKey("targetPort")) {
                    problems.add(name + ": endpoint port " + endpoint.get("port") + ", not management (" + endpoint + ")");
                }
                if (!"/q/metrics".equals(endpoint.get("path"))) {
                    problems.add(name + ": endpoint path " + endpoint.get("path") + ", not /q/metrics");
                }
            }
            List<Map<String, Object>> selected = ofKind(docs, "Service").stream()
                    .filter(s -> selects(map(spec, "selector"), map(map(s, "metadata"), "labels"))).toList();
            for (Map<String, Object> svc : selected) {
                List<Map<String, Object>> ports = list(map(svc, "spec"), "ports");
                if (ports.isEmpty() || ports.stream().anyMatch(p -> !PORT_NAME.equals(p.get("name")))) {
                    problems.add(name + ": selects " + Manifests.describe(svc) + ", which exposes " + ports
                            + " (a scrape target exposes the management port only)");
                }
            }
            for (String service : SERVICES) {
                Map<String, Integer> ports = containerPorts(mainContainer(named(docs, "Deployment", service)));
                boolean reached = selected.stream().anyMatch(svc -> selectsPodsOf(map(svc, "spec"), service, docs)
                        && list(map(svc, "spec"), "ports").stream().anyMatch(
                                p -> PORT_NAME.equals(p.get("name")) && targetsPort(p, ports, MANAGEMENT_PORTS.get(service))));
                if (!reached) {
                    problems.add(service + ": no Service selected by " + name + " leads to its management port");
                }
            }
        }
        return problems;
    }

    /**
     * Ingress to the management port: every NetworkPolicy that selects the service's pods (they add up) admits only
     * the monitoring namespace to it, and one does admit it.
     */
    static List<String> networkPolicyProblems(List<Map<String, Object>> docs, String service,
            Map<String, Object> deployment, Map<String, Integer> ports, int port) {
        List<String> problems = new ArrayList<>();
        boolean monitoringAdmitted = false;
        for (Map<String, Object> policy : ofKind(docs, "NetworkPolicy")) {
            Map<String, Object> spec = map(policy, "spec");
            if (!selects(map(spec, "podSelector"), podLabels(deployment))) {
                continue;
            }
            String name = Manifests.describe(policy);
            for (Map<String, Object> rule : list(spec, "ingress")) {
                if (!coversPort(rule, ports, port)) {
                    continue;
                }
                List<Map<String, Object>> from = list(rule, "from");
                if (from.isEmpty()) {
                    problems.add(service + ": " + name + " admits everyone to the management port (a rule without from)");
                }
                for (Map<String, Object> peer : from) {
                    if (isMonitoring(peer)) {
                        monitoringAdmitted = true;
                    } else {
                        problems.add(service + ": " + name + " admits " + peer + " to the management port");
                    }
                }
            }
        }
        if (!monitoringAdmitted) {
            problems.add(service + ": no NetworkPolicy admits the monitoring namespace to the management port");
        }
        return problems;
    }

    /**
     * A peer that is the monitoring namespace, as the policies name it: a namespaceSelector on exactly its
     * kubernetes.io/metadata.name label (a podSelector beside it only narrows it further). No ipBlock.
     */
    static boolean isMonitoring(Map<String, Object> peer) {
        Map<String, Object> ns = map(peer, "namespaceSelector");
        return !peer.containsKey("ipBlock") && peer.containsKey("namespaceSelector")
                && list(ns, "matchExpressions").isEmpty()
                && Map.of("kubernetes.io/metadata.name", MONITORING).equals(stringMap(map(ns, "matchLabels")));
    }

    /** Whether an ingress rule's ports (none: all) include the management port, by name, number or range. */
    static boolean coversPort(Map<String, Object> rule, Map<String, Integer> named, int port) {
        List<Map<String, Object>> ports = list(rule, "ports");
        if (ports.isEmpty()) {
            return true;
        }
        for (Map<String, Object> p : ports) {
            if (!"TCP".equals(p.getOrDefault("protocol", "TCP"))) {
                continue;
            }
            Object value = p.get("port");
            if (value == null) {
                return true;
            }
            if (value instanceof Integer n) {
                int end = Manifests.integer(p.get("endPort"), n);
                if (n <= port && port <= end) {
                    return true;
                }
            } else if (PORT_NAME.equals(value) || Integer.valueOf(port).equals(named.get(String.valueOf(value)))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a Service port forwards to the container's management port (by name or by number). */
    static boolean targetsPort(Map<String, Object> servicePort, Map<String, Integer> named, int port) {
        Object target = servicePort.getOrDefault("targetPort", servicePort.get("port"));
        if (target instanceof Integer n) {
            return n == port;
        }
        return PORT_NAME.equals(target) || Integer.valueOf(port).equals(named.get(String.valueOf(target)));
    }

    /** Whether a Service's selector selects the pods of the service's Deployment. */
    private static boolean selectsPodsOf(Map<String, Object> serviceSpec, String service,
            List<Map<String, Object>> docs) {
        Map<String, Object> selector = map(serviceSpec, "selector");
        return !selector.isEmpty() && podLabels(named(docs, "Deployment", service)).entrySet()
                .containsAll(selector.entrySet());
    }

    /** A container's ports, name → containerPort. */
    static Map<String, Integer> containerPorts(Map<String, Object> container) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Map<String, Object> p : list(container, "ports")) {
            ports.put(String.valueOf(p.get("name")), Manifests.integer(p.get("containerPort"), -1));
        }
        return ports;
    }

    private static Map<String, String> stringMap(Map<String, Object> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
