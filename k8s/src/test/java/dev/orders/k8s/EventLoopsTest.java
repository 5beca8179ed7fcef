package dev.orders.k8s;

import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.mainContainer;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * query-service runs one Vert.x event loop per CPU of its container's limit (ORDERS_EVENT_LOOPS): more loops than
 * CPUs cost more CPU per read (BENCHMARKS.md, sessions 14 and 38), and Quarkus's own default would be two per CPU.
 */
class EventLoopsTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void queryServiceRunsOneEventLoopPerCpuOfItsLimit(String dir) {
        assertEquals(List.of(), problems(render(dir)), dir);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void theCheckFailsWhenTheLimitIsRaisedAlone(String dir) {
        List<Map<String, Object>> docs = render(dir);
        map(map(mainContainer(named(docs, "Deployment", "query-service")), "resources"), "limits").put("cpu", "2");
        assertNotEquals(List.of(), problems(docs), "two CPUs with one loop");
    }

    @Test
    void cpuQuantities() {
        assertEquals(1, wholeCpus("1"));
        assertEquals(2, wholeCpus("1500m"));
        assertEquals(1, wholeCpus("250m"));
        assertEquals(2, wholeCpus("2"));
    }

    private static List<String> problems(List<Map<String, Object>> docs) {
        Map<String, Object> container = mainContainer(named(docs, "Deployment", "query-service"));
        Object cpu = map(map(container, "resources"), "limits").get("cpu");
        assertNotNull(cpu, "query-service has a CPU limit");
        String loops = environment(docs, container).get("ORDERS_EVENT_LOOPS");
        int expected = wholeCpus(String.valueOf(cpu));
        return String.valueOf(expected).equals(loops) ? List.of()
                : List.of("query-service: ORDERS_EVENT_LOOPS " + loops + " for a CPU limit of " + cpu + " (expected "
                        + expected + ")");
    }

    /** CPUs a limit allows, rounded up, at least one: "1" → 1, "1500m" → 2, "250m" → 1. */
    static int wholeCpus(String quantity) {
        assertTrue(quantity.matches("[0-9]+m?"), "a CPU quantity, not " + quantity);
        double cpus = quantity.endsWith("m") ? Long.parseLong(quantity.replace("m", "")) / 1000.0
                : Long.parseLong(quantity);
        return Math.max(1, (int) Math.ceil(cpus));
    }
}
