package dev.orders.k8s;

import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The connection budget of every overlay, from the numbers its rendered objects carry (see {@link ConnectionBudget}),
 * and control tests proving that the check fails when an autoscaler maximum, a pool size or a Postgres
 * max_connections is changed past the budget.
 */
class ConnectionBudgetTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void connectionBudgetHolds(String dir) {
        ConnectionBudget budget = new ConnectionBudget(render(dir));
        System.out.println("connection budget of " + dir + ":\n  " + String.join("\n  ", budget.report));
        assertTrue(budget.problems.isEmpty(), dir + ":\n" + String.join("\n", budget.problems)
                + "\n--- budget ---\n" + String.join("\n", budget.report));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void budgetCheckFailsWhenAnAutoscalerMaximumIsRaisedTooFar(String dir) {
        List<Map<String, Object>> docs = render(dir);
        map(named(docs, "HorizontalPodAutoscaler", "query-service"), "spec").put("maxReplicas", 100);
        assertFalse(new ConnectionBudget(docs).problems.isEmpty(), "100 query-service replicas cannot fit");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void budgetCheckFailsWhenAServicePoolIsRaisedTooFar(String dir) {
        List<Map<String, Object>> docs = render(dir);
        map(named(docs, "ConfigMap", "query-service-config"), "data").put("QUARKUS_DATASOURCE_REACTIVE_MAX_SIZE", "200");
        assertFalse(new ConnectionBudget(docs).problems.isEmpty(), "a pool of 200 per query-service pod cannot fit");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void budgetCheckFailsWhenPostgresMaxConnectionsIsLoweredTooFar(String dir) {
        List<Map<String, Object>> docs = render(dir);
        int changed = 0;
        for (Map<String, Object> cm : ofKind(docs, "ConfigMap")) {
            Map<String, Object> data = map(cm, "data");
            if (data.get("postgresql.conf") instanceof String conf) {
                data.put("postgresql.conf", conf.replaceAll("(?m)^max_connections\\s*=.*$", "max_connections = 30"));
                changed++;
            }
        }
        for (Map<String, Object> cluster : ofKind(docs, "Cluster")) {
            map(map(map(cluster, "spec"), "postgresql"), "parameters").put("max_connections", "30");
            changed++;
        }
        assertTrue(changed > 0, dir + " has a Postgres configuration to change");
        assertFalse(new ConnectionBudget(docs).problems.isEmpty(), "max_connections 30 cannot hold the pools");
    }
}
