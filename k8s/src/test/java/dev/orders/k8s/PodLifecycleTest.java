package dev.orders.k8s;

import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.mainContainer;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.podSpec;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How the services' pods become ready, stop and scale: readiness on what a service cannot work without, a graceful
 * shutdown that fits the termination grace period, replica counts left to the autoscalers.
 */
class PodLifecycleTest {

    /**
     * Readiness takes a pod out of its Service, and a shared dependency that fails does it to every pod at once. So
     * it leaves out what a service falls back from or can do without: query-service's replica (reads fall back to
     * the read primary) and Redis (database and local rate limiter); the projector's Redis (invalidations are
     * best effort); command-service's Kafka producer (the outbox holds the events); and, in the two services with
     * Flyway, the JDBC pool, which only migrations use and which would hold a connection straight to Postgres in
     * every pod. What stays: the reactive pool each service needs (PoolReadiness, or query-service's primary).
     */
    @Test
    void readinessLeavesOutWhatAServiceFallsBackFromOrCanDoWithout() throws Exception {
        for (String service : List.of("command-service", "projector")) {
            Map<String, String> p = Manifests.applicationProperties(service);
            assertEquals("true", p.get("quarkus.datasource.health-exclude"), service + ": JDBC pool out of readiness");
            Path check = Manifests.REPO.resolve(service + "/src/main/java/dev/orders/"
                    + (service.equals("projector") ? "projector" : "command") + "/health/PoolReadiness.java");
            assertTrue(Files.readString(check).contains("@Readiness"), service + ": readiness on the reactive pool");
        }
        Map<String, String> command = Manifests.applicationProperties("command-service");
        assertEquals("false", command.get("mp.messaging.outgoing.order-events.health-readiness-enabled"),
                "command-service: Kafka out of readiness (the outbox holds events)");
        assertEquals("false", Manifests.applicationProperties("projector").get("quarkus.redis.health.enabled"),
                "projector: Redis out of readiness");
        Map<String, String> query = Manifests.applicationProperties("query-service");
        assertEquals("true", query.get("quarkus.datasource.health-exclude"), "query-service: replica out of readiness");
        assertEquals("false", query.get("quarkus.redis.health.enabled"), "query-service: Redis out of readiness");
        // the read primary, its fallback, stays in readiness: through PrimaryReadiness, which names the dependency
        // without the driver's error text (Quarkus's own check for it is excluded for that reason)
        Path primary = Manifests.REPO.resolve("query-service/src/main/java/dev/orders/query/health/PrimaryReadiness.java");
        String check = Files.readString(primary);
        assertTrue(check.contains("@Readiness") && check.contains("@ReactiveDataSource(\"primary\")"),
                "query-service: readiness on the read primary");
    }

    /**
     * On SIGTERM the kubelet first runs the preStop hook (endpoints drop the pod meanwhile), then Quarkus drains
     * in-flight work for up to quarkus.shutdown.timeout; both must end before terminationGracePeriodSeconds, or the
     * pod is killed mid-request. Without quarkus.shutdown.timeout Quarkus does not drain at all.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void terminationGracePeriodCoversThePreStopSleepAndTheShutdownTimeout(String dir) {
        List<String> problems = shutdownProblems(render(dir));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /** Control: a shutdown timeout longer than the grace period allows is caught. */
    @Test
    void shutdownCheckFailsWhenTheTimeoutOutgrowsTheGracePeriod() {
        List<Map<String, Object>> docs = render("k8s/base");
        map(named(docs, "ConfigMap", "query-service-config"), "data").put("QUARKUS_SHUTDOWN_TIMEOUT", "PT60S");
        List<String> problems = shutdownProblems(docs);
        assertFalse(problems.isEmpty(), "a 60 s shutdown timeout does not fit a 45 s grace period");
        assertTrue(problems.stream().allMatch(p -> p.startsWith("query-service")), String.join("\n", problems));
    }

    /**
     * An HPA owns the replica count of its target: a Deployment that also sets spec.replicas is reset to that number
     * on every apply, undoing the autoscaler (and briefly dropping below its minimum).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void noAutoscaledDeploymentSetsReplicas(String dir) {
        List<Map<String, Object>> docs = render(dir);
        List<String> problems = replicaProblems(docs);
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
        for (String service : SERVICES) {
            assertTrue(Manifests.integer(map(named(docs, "HorizontalPodAutoscaler", service), "spec").get("minReplicas"), 0) >= 1,
                    service + ": the HPA's minReplicas sets the floor");
        }
    }

    /** Control: a replicas field on an autoscaled Deployment is caught. */
    @Test
    void replicasCheckFailsWhenAnAutoscaledDeploymentSetsReplicas() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(named(docs, "Deployment", "projector"), "spec").put("replicas", 2);
        assertEquals(List.of("Deployment/projector sets spec.replicas 2, but HorizontalPodAutoscaler/projector manages it"),
                replicaProblems(docs));
    }

    static List<String> replicaProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> hpa : Manifests.ofKind(docs, "HorizontalPodAutoscaler")) {
            Map<String, Object> target = map(map(hpa, "spec"), "scaleTargetRef");
            Manifests.find(docs, String.valueOf(target.get("kind")), String.valueOf(target.get("name"))).ifPresent(w -> {
                Object replicas = map(w, "spec").get("replicas");
                if (replicas != null) {
                    problems.add(Manifests.describe(w) + " sets spec.replicas " + replicas + ", but "
                            + Manifests.describe(hpa) + " manages it");
                }
            });
        }
        return problems;
    }

    /**
     * Lifecycle hooks run on every supported cluster: the {@code sleep} action needs Kubernetes 1.30
     * (PodLifecycleSleepAction), an exec of the image's own {@code sleep} works everywhere.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void lifecycleHooksNeedNoRecentKubernetes(String dir) {
        for (Map.Entry<Map<String, Object>, Map<String, Object>> w : Manifests.workloads(render(dir))) {
            for (Map<String, Object> c : Manifests.containers(w.getValue())) {
                for (Object hook : map(c, "lifecycle").values()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> h = hook instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
                    assertFalse(h.containsKey("sleep"), Manifests.describe(w.getKey()) + "/" + c.get("name")
                            + ": the lifecycle sleep action needs Kubernetes 1.30; exec [sleep, N] instead");
                }
            }
        }
        for (String service : SERVICES) {
            assertTrue(preStopSeconds(mainContainer(named(render(dir), "Deployment", service))) > 0,
                    service + ": a preStop sleep lets endpoints drop the pod first");
        }
    }

    static List<String> shutdownProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (String service : SERVICES) {
            Map<String, Object> deployment = named(docs, "Deployment", service);
            Map<String, Object> pod = podSpec(deployment);
            Map<String, Object> main = mainContainer(deployment);
            long grace = Manifests.integer(pod.get("terminationGracePeriodSeconds"), 30);
            long preStop = preStopSeconds(main);
            Duration timeout = shutdownTimeout(service, environment(docs, main));
            if (timeout == null) {
                problems.add(service + ": quarkus.shutdown.timeout is not set, so Quarkus does not drain on SIGTERM");
                continue;
            }
            if (grace <= preStop + timeout.toSeconds()) {
                problems.add(String.format("%s: terminationGracePeriodSeconds %d <= preStop %d s + shutdown timeout %d s",
                        service, grace, preStop, timeout.toSeconds()));
            }
        }
        return problems;
    }

    /** The service's shutdown timeout in prod: the container's env overrides application.properties. */
    static Duration shutdownTimeout(String service, Map<String, String> env) {
        String value = env.get("QUARKUS_SHUTDOWN_TIMEOUT");
        if (value == null) {
            Map<String, String> props;
            try {
                props = Manifests.applicationProperties(service);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            value = props.getOrDefault("%prod.quarkus.shutdown.timeout", props.get("quarkus.shutdown.timeout"));
        }
        return value == null || value.isBlank() ? null : quarkusDuration(value);
    }

    /** Seconds the preStop hook sleeps: {@code sleep: {seconds: N}} or {@code exec: [sleep, N]}; 0 without one. */
    static long preStopSeconds(Map<String, Object> container) {
        Map<String, Object> preStop = map(map(container, "lifecycle"), "preStop");
        if (preStop.isEmpty()) {
            return 0;
        }
        Object sleep = map(preStop, "sleep").get("seconds");
        if (sleep != null) {
            return Manifests.integer(sleep, 0);
        }
        Object command = map(preStop, "exec").get("command");
        if (command instanceof List<?> c) {
            Matcher m = Pattern.compile("(?:^|\\s)sleep\\s+(\\d+)\\s*$").matcher(
                    String.join(" ", c.stream().map(String::valueOf).toList()));
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError(container.get("name") + ": preStop hook of unknown duration: " + preStop);
    }

    /** A duration as Quarkus reads it: ISO-8601 (PT30S), a bare number of seconds, or a number with ms/s/m/h/d. */
    static Duration quarkusDuration(String raw) {
        String v = raw.trim();
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE).matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2).toLowerCase()) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        return Duration.parse(v.toUpperCase().startsWith("P") ? v : "PT" + v);
    }
}
