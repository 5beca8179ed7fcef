package dev.orders.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The objects {@code kubectl kustomize} renders for one kustomization under k8s/, and helpers to read them. Each
 * call to {@link #render} returns a fresh copy, so a test may change it (the control tests do).
 */
final class Manifests {
    static final Path REPO = Path.of(System.getProperty("orders.repo", "..")).toAbsolutePath().normalize();

    /** The three services of the platform (Maven modules with the same names). */
    static final List<String> SERVICES = List.of("command-service", "projector", "query-service");

    /** Kinds whose pod template we render (operators' pods are described by their custom resources instead). */
    static final List<String> WORKLOAD_KINDS = List.of("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob");

    private static final Map<String, String> RENDERED = new ConcurrentHashMap<>();

    private Manifests() {
    }

    /** k8s/base and every k8s/overlays/* with a kustomization.yaml. */
    static Stream<String> kustomizations() throws IOException {
        List<String> dirs = new ArrayList<>(List.of("k8s/base"));
        dirs.addAll(overlays().toList());
        return dirs.stream();
    }

    static Stream<String> overlays() throws IOException {
        List<String> dirs = new ArrayList<>();
        Path overlays = REPO.resolve("k8s/overlays");
        if (Files.isDirectory(overlays)) {
            try (Stream<Path> s = Files.list(overlays)) {
                s.filter(p -> Files.exists(p.resolve("kustomization.yaml"))).sorted()
                        .forEach(p -> dirs.add(REPO.relativize(p).toString()));
            }
        }
        return dirs.stream();
    }

    static String renderYaml(String dir) {
        return RENDERED.computeIfAbsent(dir, Manifests::kustomize);
    }

    private static String kustomize(String dir) {
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", REPO.resolve(dir).toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize finished");
            assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + " renders");
            return yaml;
        } catch (IOException e) {
            throw new AssertionError("kubectl kustomize " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static List<Map<String, Object>> render(String dir) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(new LoaderOptions()).loadAll(renderYaml(dir))) {
            if (doc != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) doc;
                docs.add(m);
            }
        }
        assertFalse(docs.isEmpty(), dir + " renders objects");
        return docs;
    }

    // --- objects -----------------------------------------------------------------------------------------------

    static List<Map<String, Object>> ofKind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    static Optional<Map<String, Object>> find(List<Map<String, Object>> docs, String kind, String name) {
        return ofKind(docs, kind).stream().filter(d -> name.equals(name(d))).findFirst();
    }

    static Map<String, Object> named(List<Map<String, Object>> docs, String kind, String name) {
        return find(docs, kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    static String name(Map<String, Object> d) {
        return String.valueOf(map(d, "metadata").get("name"));
    }

    static String describe(Map<String, Object> d) {
        return d.get("kind") + "/" + name(d);
    }

    /** Every rendered object with a pod template, paired with that template's pod spec. */
    static List<Map.Entry<Map<String, Object>, Map<String, Object>>> workloads(List<Map<String, Object>> docs) {
        List<Map.Entry<Map<String, Object>, Map<String, Object>>> out = new ArrayList<>();
        for (Map<String, Object> d : docs) {
            if (WORKLOAD_KINDS.contains(String.valueOf(d.get("kind")))) {
                out.add(Map.entry(d, podSpec(d)));
            }
        }
        return out;
    }

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(podTemplate(workload), "spec");
    }

    static Map<String, Object> podLabels(Map<String, Object> workload) {
        return map(map(podTemplate(workload), "metadata"), "labels");
    }

    /** The pod template: spec.template, or a CronJob's spec.jobTemplate.spec.template. */
    static Map<String, Object> podTemplate(Map<String, Object> workload) {
        Map<String, Object> spec = map(workload, "spec");
        if ("CronJob".equals(workload.get("kind"))) {
            spec = map(map(spec, "jobTemplate"), "spec");
        }
        return map(spec, "template");
    }

    /**
     * Whether a label selector ({@code matchLabels} and {@code matchExpressions}, as in a NetworkPolicy's podSelector
     * or a ServiceMonitor's selector) selects an object with these labels. An empty selector selects everything.
     */
    static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
        for (Map.Entry<String, Object> e : map(selector, "matchLabels").entrySet()) {
            if (!String.valueOf(e.getValue()).equals(String.valueOf(labels.get(e.getKey())))) {
                return false;
            }
        }
        for (Map<String, Object> expr : list(selector, "matchExpressions")) {
            Object value = labels.get(String.valueOf(expr.get("key")));
            List<?> values = expr.get("values") instanceof List<?> l ? l : List.of();
            boolean in = value != null && values.stream().map(String::valueOf).anyMatch(String.valueOf(value)::equals);
            boolean ok = switch (String.valueOf(expr.get("operator"))) {
                case "In" -> in;
                case "NotIn" -> !in;
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new AssertionError("unknown selector operator in " + expr);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The workload whose pods a Service selects. */
    static Optional<Map<String, Object>> workloadBehindService(List<Map<String, Object>> docs, String service) {
        Optional<Map<String, Object>> svc = find(docs, "Service", service);
        if (svc.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> selector = map(map(svc.get(), "spec"), "selector");
        if (selector.isEmpty()) {
            return Optional.empty();
        }
        return workloads(docs).stream().map(Map.Entry::getKey)
                .filter(w -> podLabels(w).entrySet().containsAll(selector.entrySet())).findFirst();
    }

    /** Files of the ConfigMaps a pod mounts, by file name (the ConfigMap's keys). */
    static Map<String, String> mountedConfigFiles(List<Map<String, Object>> docs, Map<String, Object> workload) {
        Map<String, String> files = new LinkedHashMap<>();
        for (Map<String, Object> v : list(podSpec(workload), "volumes")) {
            Object cm = map(v, "configMap").get("name");
            if (cm != null) {
                find(docs, "ConfigMap", String.valueOf(cm))
                        .ifPresent(c -> map(c, "data").forEach((k, val) -> files.put(k, String.valueOf(val))));
            }
        }
        return files;
    }

    static List<Map<String, Object>> containers(Map<String, Object> pod) {
        List<Map<String, Object>> all = new ArrayList<>(list(pod, "initContainers"));
        all.addAll(list(pod, "containers"));
        return all;
    }

    /**
     * The environment a container starts with, as far as the rendered objects show it: ConfigMap and Secret keys
     * from envFrom (Secret values decoded; a Secret that is not rendered, i.e. created per environment, adds
     * nothing), then env entries with a literal value or a rendered ConfigMap's key (configMapKeyRef); other
     * references (Secrets, fields) are named with a null value.
     */
    static Map<String, String> environment(List<Map<String, Object>> docs, Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> from : list(container, "envFrom")) {
            Object cm = map(from, "configMapRef").get("name");
            if (cm != null) {
                map(named(docs, "ConfigMap", String.valueOf(cm)), "data")
                        .forEach((k, v) -> env.put(k, String.valueOf(v)));
            }
            Object secret = map(from, "secretRef").get("name");
            if (secret != null) {
                find(docs, "Secret", String.valueOf(secret)).ifPresent(s -> {
                    map(s, "data").forEach((k, v) -> env.put(k,
                            new String(Base64.getMimeDecoder().decode(String.valueOf(v)), StandardCharsets.UTF_8)));
                    map(s, "stringData").forEach((k, v) -> env.put(k, String.valueOf(v)));
                });
            }
        }
        for (Map<String, Object> e : list(container, "env")) {
            Map<String, Object> ref = map(map(e, "valueFrom"), "configMapKeyRef");
            String value = e.containsKey("value") ? String.valueOf(e.get("value")) : null;
            if (!ref.isEmpty()) {
                Object v = find(docs, "ConfigMap", String.valueOf(ref.get("name")))
                        .map(cm -> map(cm, "data").get(String.valueOf(ref.get("key")))).orElse(null);
                value = v == null ? null : String.valueOf(v);
            }
            env.put(String.valueOf(e.get("name")), value);
        }
        return env;
    }

    static Map<String, Object> mainContainer(Map<String, Object> deployment) {
        String name = name(deployment);
        return list(podSpec(deployment), "containers").stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError(name + ": no container named " + name));
    }

    // --- URLs --------------------------------------------------------------------------------------------------

    /** Host and database of a {@code postgresql://} or {@code jdbc:postgresql://} URL. */
    record PgUrl(String host, int port, String database) {
        static PgUrl parse(String url) {
            URI uri = URI.create(url.replaceFirst("^jdbc:", ""));
            String db = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
            return new PgUrl(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), db);
        }
    }

    // --- services' own configuration ---------------------------------------------------------------------------

    /** A service's application.properties, key → value (profile-prefixed keys kept with their prefix). */
    static Map<String, String> applicationProperties(String service) throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        for (String line : Files.readString(REPO.resolve(service + "/src/main/resources/application.properties"),
                StandardCharsets.UTF_8).lines().toList()) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                props.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return props;
    }

    // --- YAML helpers ------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof Map<?, ?> ? (Map<String, Object>) v : new HashMap<>();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    static int integer(Object v, int fallback) {
        return v == null ? fallback : Integer.parseInt(String.valueOf(v).trim());
    }
}
