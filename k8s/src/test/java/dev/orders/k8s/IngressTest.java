package dev.orders.k8s;

import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/**
 * prod publishes the write API (command-service) and the read API (query-service) through ingress-nginx: each has an
 * Ingress of class {@code nginx} with a host, TLS for that host from a cert-manager issuer (annotation and a tls
 * secretName), ingress-nginx's body-size cap equal to the API's own limit and explicit timeouts, a backend port the
 * Service has, and a NetworkPolicy that admits the controller's namespace ({@code ingress-nginx}) to that port. The
 * write API's Location header points at the read API's host: ORDERS_READ_API_BASE_URL is {@code https://<read host>/}.
 */
class IngressTest {
    static final String PROD = "k8s/overlays/prod";
    static final String CONTROLLER_NAMESPACE = "ingress-nginx";
    static final List<String> APIS = List.of("command-service", "query-service");
    static final String BODY_SIZE = "nginx.ingress.kubernetes.io/proxy-body-size";

    @Test
    void prodPublishesBothApisOverTls() {
        List<String> problems = problems(render(PROD));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theReadApiBaseUrlFollowsTheReadHost() {
        List<Map<String, Object>> docs = render(PROD);
        List<String> problems = readBaseUrlProblems(docs);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        System.out.println("prod: write API " + hosts(docs, "command-service") + ", read API "
                + hosts(docs, "query-service") + ", Location base " + readBaseUrl(docs));
    }

    // --- controls -----------------------------------------------------------------------------------------------

    @Test
    void anIngressWithoutTlsOrCertManagerFails() {
        assertCaught(docs -> map(ingress(docs, "query-service"), "spec").remove("tls"),
                "host orders-read.example.com has no tls entry");
        assertCaught(docs -> map(map(ingress(docs, "command-service"), "metadata"), "annotations")
                .remove("cert-manager.io/cluster-issuer"), "no cert-manager issuer annotation");
        assertCaught(docs -> list(map(ingress(docs, "command-service"), "spec"), "tls").get(0).remove("secretName"),
                "has no tls entry with a secretName");
    }

    @Test
    void aMissingApiOrAnotherClassFails() {
        assertCaught(docs -> docs.remove(ingress(docs, "command-service")), "command-service: no Ingress routes to it");
        assertCaught(docs -> map(ingress(docs, "query-service"), "spec").put("ingressClassName", "traefik"),
                "class traefik, not nginx");
    }

    @Test
    void aBodySizeOtherThanTheApisLimitFails() {
        assertCaught(docs -> map(map(ingress(docs, "command-service"), "metadata"), "annotations").put(BODY_SIZE, "1m"),
                "proxy-body-size 1m, not the API's limit 64K");
    }

    @Test
    void aControllerNamespaceThePolicyDoesNotAdmitFails() {
        assertCaught(docs -> {
            Map<String, Object> policy = named(docs, "NetworkPolicy", "command-service");
            for (Map<String, Object> rule : list(map(policy, "spec"), "ingress")) {
                list(rule, "from").forEach(peer -> map(map(peer, "namespaceSelector"), "matchLabels")
                        .replace("kubernetes.io/metadata.name", CONTROLLER_NAMESPACE, "openshift-ingress"));
            }
        }, "command-service: NetworkPolicy/command-service does not admit namespace ingress-nginx to port http");
    }

    @Test
    void aReadBaseUrlOnAnotherHostFails() {
        List<Map<String, Object>> docs = render(PROD);
        list(map(ingress(docs, "query-service"), "spec"), "rules").get(0).put("host", "orders-query.example.net");
        List<String> problems = readBaseUrlProblems(docs);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("https://orders-read.example.com/ is not on the read API's host "
                + "[orders-query.example.net]"), problems.get(0));
        map(named(docs, "ConfigMap", "command-service-config"), "data").put("ORDERS_READ_API_BASE_URL",
                "http://orders-query.example.net/");
        assertTrue(readBaseUrlProblems(docs).get(0).contains("not https"), readBaseUrlProblems(docs).toString());
    }

    private static void assertCaught(Consumer<List<Map<String, Object>>> weaken, String mention) {
        List<Map<String, Object>> docs = new ArrayList<>(render(PROD));
        weaken.accept(docs);
        List<String> problems = problems(docs);
        assertTrue(problems.stream().anyMatch(p -> p.contains(mention)), mention + " caught: " + problems);
    }

    private static Map<String, Object> ingress(List<Map<String, Object>> docs, String name) {
        return named(docs, "Ingress", name);
    }

    // --- the checks ---------------------------------------------------------------------------------------------

    static List<String> problems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (String api : APIS) {
            int routes = 0;
            for (Map<String, Object> ingress : Manifests.ofKind(docs, "Ingress")) {
                Map<String, Object> spec = map(ingress, "spec");
                for (Map<String, Object> rule : list(spec, "rules")) {
                    for (Map<String, Object> path : list(map(rule, "http"), "paths")) {
                        Map<String, Object> backend = map(map(path, "backend"), "service");
                        if (api.equals(backend.get("name"))) {
                            routes++;
                            problems.addAll(routeProblems(docs, api, ingress, rule, map(backend, "port")));
                        }
                    }
                }
            }
            if (routes == 0) {
                problems.add(api + ": no Ingress routes to it");
            }
        }
        return problems;
    }

    private static List<String> routeProblems(List<Map<String, Object>> docs, String api, Map<String, Object> ingress,
            Map<String, Object> rule, Map<String, Object> port) {
        List<String> problems = new ArrayList<>();
        String where = api + ": " + Manifests.describe(ingress) + " ";
        Map<String, Object> spec = map(ingress, "spec");
        Map<String, Object> annotations = map(map(ingress, "metadata"), "annotations");
        Object host = rule.get("host");
        if (host == null) {
            problems.add(where + "has a rule without a host");
            return problems;
        }
        if (!"nginx".equals(spec.get("ingressClassName"))) {
            problems.add(where + "has class " + spec.get("ingressClassName") + ", not nginx");
        }
        boolean certManager = annotations.containsKey("cert-manager.io/cluster-issuer")
                || annotations.containsKey("cert-manager.io/issuer");
        if (!certManager) {
            problems.add(where + "has no cert-manager issuer annotation (cert-manager.io/cluster-issuer)");
        }
        boolean tls = list(spec, "tls").stream().anyMatch(t -> t.get("secretName") != null
                && t.get("hosts") instanceof List<?> hosts && hosts.contains(host));
        if (!tls) {
            problems.add(where + "host " + host + " has no tls entry with a secretName (" + list(spec, "tls") + ")");
        }
        String limit = bodyLimit(api);
        Object size = annotations.get(BODY_SIZE);
        if (size == null || limit != null && !limit.equalsIgnoreCase(String.valueOf(size))) {
            problems.add(where + "has proxy-body-size " + size + ", not the API's limit " + limit);
        }
        for (String timeout : List.of("proxy-connect-timeout", "proxy-read-timeout", "proxy-send-timeout")) {
            if (!String.valueOf(annotations.get("nginx.ingress.kubernetes.io/" + timeout)).matches("\\d+")) {
                problems.add(where + "sets no " + timeout + " (seconds)");
            }
        }
        problems.addAll(admitted(docs, api, port));
        return problems;
    }

    /** The Service port the backend names exists, and the API's NetworkPolicy admits the controller to its target. */
    private static List<String> admitted(List<Map<String, Object>> docs, String api, Map<String, Object> backendPort) {
        Map<String, Object> servicePort = list(map(named(docs, "Service", api), "spec"), "ports").stream()
                .filter(p -> backendPort.get("name") != null ? backendPort.get("name").equals(p.get("name"))
                        : String.valueOf(backendPort.get("number")).equals(String.valueOf(p.get("port"))))
                .findFirst().orElse(null);
        if (servicePort == null) {
            return List.of(api + ": the Ingress backend port " + backendPort + " is not a port of Service/" + api);
        }
        Object target = servicePort.getOrDefault("targetPort", servicePort.get("port"));
        for (Map<String, Object> rule : list(map(named(docs, "NetworkPolicy", api), "spec"), "ingress")) {
            boolean controller = list(rule, "from").stream().anyMatch(peer -> !peer.containsKey("podSelector")
                    && CONTROLLER_NAMESPACE.equals(map(map(peer, "namespaceSelector"), "matchLabels")
                            .get("kubernetes.io/metadata.name")));
            boolean port = list(rule, "ports").isEmpty() || list(rule, "ports").stream()
                    .anyMatch(p -> String.valueOf(target).equals(String.valueOf(p.get("port"))));
            if (controller && port) {
                return List.of();
            }
        }
        return List.of(api + ": NetworkPolicy/" + api + " does not admit namespace " + CONTROLLER_NAMESPACE
                + " to port " + target);
    }

    /** The API's own body limit (quarkus.http.limits.max-body-size, e.g. 64K), or null: Quarkus's default. */
    static String bodyLimit(String service) {
        try {
            return Manifests.applicationProperties(service).get("quarkus.http.limits.max-body-size");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> readBaseUrlProblems(List<Map<String, Object>> docs) {
        String url = readBaseUrl(docs);
        List<Object> hosts = hosts(docs, "query-service");
        URI uri = URI.create(url);
        List<String> problems = new ArrayList<>();
        if (!"https".equals(uri.getScheme())) {
            problems.add("ORDERS_READ_API_BASE_URL " + url + " is not https (the Ingress terminates TLS)");
        }
        if (!hosts.contains(uri.getHost())) {
            problems.add("ORDERS_READ_API_BASE_URL " + url + " is not on the read API's host " + hosts);
        }
        return problems;
    }

    static String readBaseUrl(List<Map<String, Object>> docs) {
        return Manifests.environment(docs, Manifests.mainContainer(named(docs, "Deployment", "command-service")))
                .get("ORDERS_READ_API_BASE_URL");
    }

    /** The hosts of the Ingress rules that route to a Service. */
    static List<Object> hosts(List<Map<String, Object>> docs, String service) {
        List<Object> hosts = new ArrayList<>();
        for (Map<String, Object> ingress : Manifests.ofKind(docs, "Ingress")) {
            for (Map<String, Object> rule : list(map(ingress, "spec"), "rules")) {
                if (list(map(rule, "http"), "paths").stream()
                        .anyMatch(p -> service.equals(map(map(p, "backend"), "service").get("name")))) {
                    hosts.add(rule.get("host"));
                }
            }
        }
        return hosts;
    }
}
