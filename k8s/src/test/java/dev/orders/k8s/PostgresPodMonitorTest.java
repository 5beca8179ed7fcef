package dev.orders.k8s;

import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.name;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.render;
import static dev.orders.k8s.PostgresDurabilityTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Prometheus scrapes every CloudNativePG pod exactly once: each Cluster's instances and each Pooler's PgBouncers are
 * selected by one PodMonitor (monitoring.coreos.com/v1) on their port {@code metrics}. The pods are not rendered (the
 * operator makes them), so they are modelled with the labels CloudNativePG gives them: instances
 * {@code cnpg.io/cluster}, {@code cnpg.io/podRole: instance}, {@code cnpg.io/instanceName}; PgBouncers
 * {@code cnpg.io/poolerName}, {@code cnpg.io/podRole: pooler} and (recent releases) {@code cnpg.io/cluster}.
 */
class PostgresPodMonitorTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.PostgresDurabilityTest#cnpgOverlays")
    void everyClusterAndPoolerIsScrapedOnce(String dir) {
        assertEquals(List.of(), problems(render(dir)), dir);
    }

    @Test
    void aClusterWithoutPodMonitorFails() {
        List<Map<String, Object>> docs = new ArrayList<>(render("k8s/overlays/prod"));
        docs.removeIf(d -> "PodMonitor".equals(d.get("kind")) && "cnpg-orders-write".equals(name(d)));
        assertMentions(problems(docs), "Cluster/orders-write", "0 PodMonitors");
    }

    @Test
    void aClusterSelectorThatAlsoTakesThePoolersFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(map(named(docs, "PodMonitor", "cnpg-orders-read"), "spec"), "selector").put("matchLabels",
                Map.of("cnpg.io/cluster", "orders-read"));
        assertMentions(problems(docs), "Pooler/orders-read-pooler-ro", "2 PodMonitors");
    }

    @Test
    void anotherPortFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        list(map(named(docs, "PodMonitor", "cnpg-orders-write-pooler-rw"), "spec"), "podMetricsEndpoints").get(0)
                .put("port", "pgbouncer");
        assertMentions(problems(docs), "Pooler/orders-write-pooler-rw", "0 PodMonitors");
    }

    static List<String> problems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> cluster : ofKind(docs, "Cluster")) {
            String c = name(cluster);
            check(docs, describe(cluster), Map.of("cnpg.io/cluster", c, "cnpg.io/podRole", "instance",
                    "cnpg.io/instanceName", c + "-1", "cnpg.io/instanceRole", "primary"), problems);
        }
        for (Map<String, Object> pooler : ofKind(docs, "Pooler")) {
            check(docs, describe(pooler), Map.of("cnpg.io/poolerName", name(pooler), "cnpg.io/podRole", "pooler",
                    "cnpg.io/cluster", String.valueOf(map(map(pooler, "spec"), "cluster").get("name"))), problems);
        }
        return problems;
    }

    private static void check(List<Map<String, Object>> docs, String what, Map<String, Object> podLabels,
            List<String> problems) {
        List<String> scraping = ofKind(docs, "PodMonitor").stream()
                .filter(m -> Manifests.selects(map(map(m, "spec"), "selector"), podLabels))
                .filter(m -> list(map(m, "spec"), "podMetricsEndpoints").stream()
                        .anyMatch(e -> "metrics".equals(e.get("port"))))
                .map(Manifests::name).toList();
        if (scraping.size() != 1) {
            problems.add(what + ": its pods (" + podLabels + ") are scraped on port metrics by " + scraping.size()
                    + " PodMonitors " + scraping + " (one)");
        }
    }
}
