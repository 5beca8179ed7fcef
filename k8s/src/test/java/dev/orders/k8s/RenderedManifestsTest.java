package dev.orders.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders every kustomization under k8s/ (the base and each overlay) with {@code kubectl kustomize} and checks what
 * it renders, the way a cluster would receive it.
 */
class RenderedManifestsTest {
    static final Path REPO = Path.of(System.getProperty("orders.repo", "..")).toAbsolutePath().normalize();

    static Stream<String> kustomizations() throws IOException {
        List<String> dirs = new ArrayList<>(List.of("k8s/base"));
        Path overlays = REPO.resolve("k8s/overlays");
        if (Files.isDirectory(overlays)) {
            try (Stream<Path> s = Files.list(overlays)) {
                s.filter(p -> Files.exists(p.resolve("kustomization.yaml"))).sorted()
                        .forEach(p -> dirs.add(REPO.relativize(p).toString()));
            }
        }
        return dirs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    void everyContainerHasProbesResourcesAndAHardenedSecurityContext(String dir) throws Exception {
        for (Map<String, Object> d : ofKind(render(dir), "Deployment")) {
            String name = name(d);
            Map<String, Object> pod = map(map(map(d, "spec"), "template"), "spec");
            assertEquals(Boolean.FALSE, pod.get("enableServiceLinks"), name + ": service links clash with *_PORT settings");
            assertEquals(Boolean.TRUE, map(pod, "securityContext").get("runAsNonRoot"), name + ": runAsNonRoot");
            List<Map<String, Object>> all = new ArrayList<>(list(pod, "containers"));
            all.addAll(list(pod, "initContainers"));
            for (Map<String, Object> c : all) {
                String where = name + "/" + c.get("name");
                Map<String, Object> resources = map(c, "resources");
                assertNotNull(resources.get("requests"), where + ": resource requests");
                assertNotNull(resources.get("limits"), where + ": resource limits");
                Map<String, Object> sc = map(c, "securityContext");
                assertEquals(Boolean.TRUE, sc.get("readOnlyRootFilesystem"), where + ": read-only root filesystem");
                assertEquals(Boolean.FALSE, sc.get("allowPrivilegeEscalation"), where + ": no privilege escalation");
            }
            for (Map<String, Object> c : list(pod, "containers")) {
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    String path = String.valueOf(map(map(c, probe), "httpGet").get("path"));
                    assertTrue(path.startsWith("/q/health/"), name + ": " + probe + " on /q/health/*, got " + path);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    void everyServiceHasAnAutoscalerWithStabilizationABudgetAPolicyAndAService(String dir) throws Exception {
        List<Map<String, Object>> docs = render(dir);
        for (Map<String, Object> d : ofKind(docs, "Deployment")) {
            String name = name(d);
            Map<String, Object> hpa = named(docs, "HorizontalPodAutoscaler", name);
            Object window = map(map(map(hpa, "spec"), "behavior"), "scaleDown").get("stabilizationWindowSeconds");
            assertTrue(window instanceof Integer w && w >= 60, name + ": scale-down stabilization window");
            named(docs, "PodDisruptionBudget", name);
            named(docs, "NetworkPolicy", name);
            named(docs, "Service", name);
        }
    }

    /** Each env/config key a manifest sets must be one the service actually reads (a typo would be ignored). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    void configKeysAreOnesTheServicesRead(String dir) throws Exception {
        for (Map<String, Object> cm : ofKind(render(dir), "ConfigMap")) {
            String name = name(cm);
            if (!name.endsWith("-config")) {
                continue;
            }
            String service = name.substring(0, name.length() - "-config".length());
            String properties = Files.readString(
                    REPO.resolve(service + "/src/main/resources/application.properties"), StandardCharsets.UTF_8);
            List<String> known = new ArrayList<>();
            for (String line : properties.lines().toList()) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    String key = line.substring(0, eq).replaceFirst("^%[a-z]+\\.", "");
                    known.add(key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase());
                }
            }
            for (String key : map(cm, "data").keySet()) {
                boolean read = known.contains(key) || properties.contains("${" + key + ":")
                        || properties.contains("${" + key + "}") || BUILT_IN.contains(key);
                assertTrue(read, name + ": " + key + " is not a setting " + service + " reads");
            }
        }
    }

    /** Settings Quarkus itself reads without them appearing in application.properties. */
    static final List<String> BUILT_IN = List.of("QUARKUS_INIT_AND_EXIT", "QUARKUS_HTTP_PORT");

    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    void connectionBudgetHolds(String dir) throws Exception {
        List<Map<String, Object>> docs = render(dir);
        Map<String, Object> budget = map(named(docs, "ConfigMap", "orders-connection-budget"), "data");
        List<String> problems = budgetProblems(docs, budget);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Proof the budget check can fail: the same manifests with one HPA raised past the budget. */
    @Test
    void budgetCheckFailsWhenAnAutoscalerMaximumIsRaisedTooFar() throws Exception {
        List<Map<String, Object>> docs = render("k8s/base");
        Map<String, Object> hpa = named(docs, "HorizontalPodAutoscaler", "query-service");
        map(hpa, "spec").put("maxReplicas", 100);
        List<String> problems = budgetProblems(docs, map(named(docs, "ConfigMap", "orders-connection-budget"), "data"));
        assertFalse(problems.isEmpty(), "100 query-service replicas cannot fit the budget");
    }

    /**
     * Client side, per database behind PgBouncer: Σ maxReplicas × pool × 1.2 ≤ max_client_conn. Server side:
     * PgBouncer's pool per database ≤ 70% of Postgres max_connections.
     */
    static List<String> budgetProblems(List<Map<String, Object>> docs, Map<String, Object> budget) {
        List<String> problems = new ArrayList<>();
        int maxConnections = Integer.parseInt(String.valueOf(budget.get("postgres.max_connections")));
        int serverPool = Integer.parseInt(String.valueOf(budget.get("pgbouncer.default_pool_size")));
        int maxClients = Integer.parseInt(String.valueOf(budget.get("pgbouncer.max_client_conn")));
        if (serverPool > 0.7 * maxConnections) {
            problems.add("PgBouncer pool " + serverPool + " > 70% of max_connections " + maxConnections);
        }
        double clients = 0;
        StringBuilder detail = new StringBuilder();
        for (Map<String, Object> d : ofKind(docs, "Deployment")) {
            String name = name(d);
            int maxReplicas = (Integer) map(named(docs, "HorizontalPodAutoscaler", name), "spec").get("maxReplicas");
            Map<String, Object> config = map(named(docs, "ConfigMap", name + "-config"), "data");
            int pool = config.entrySet().stream().filter(e -> e.getKey().endsWith("REACTIVE_MAX_SIZE"))
                    .mapToInt(e -> Integer.parseInt(String.valueOf(e.getValue()))).sum();
            clients += maxReplicas * pool * 1.2;
            detail.append(String.format(" %s=%d×%d×1.2", name, maxReplicas, pool));
        }
        if (clients > maxClients) {
            problems.add(String.format("client connections %.1f >%s > PgBouncer max_client_conn %d", clients, detail,
                    maxClients));
        }
        return problems;
    }

    // --- rendering and YAML helpers ----------------------------------------------------------------------------

    static List<Map<String, Object>> render(String dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kubectl", "kustomize", REPO.resolve(dir).toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize finished");
        assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + " renders");
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(new LoaderOptions()).loadAll(yaml)) {
            if (doc != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) doc;
                docs.add(m);
            }
        }
        assertFalse(docs.isEmpty(), dir + " renders objects");
        return docs;
    }

    static List<Map<String, Object>> ofKind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    static Map<String, Object> named(List<Map<String, Object>> docs, String kind, String name) {
        return ofKind(docs, kind).stream().filter(d -> name.equals(name(d))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    static String name(Map<String, Object> d) {
        return String.valueOf(map(d, "metadata").get("name"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Map<?, ?> ? (Map<String, Object>) v : new java.util.HashMap<>();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }
}
