package dev.orders.k8s;

import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.containers;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.podSpec;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every container that runs a service's image sizes its heap from its own memory limit: small enough that the JVM's
 * memory outside the heap still fits under the limit (not OOMKilled with a full heap), and committed from the start
 * (not grown from 1/64 of the limit, collecting all the way). The images' run-java.sh would give 80 % and 1/64.
 */
class JvmMemoryTest {
    /**
     * Room for the JVM's memory outside the heap (metaspace, code cache, symbols, GC structures, threads, buffers):
     * command-service had 244 MB of it committed after two minutes of write load (Native Memory Tracking, with the
     * orders-jvm flags of a 768Mi, 1-CPU pod; BENCHMARKS.md, session 33).
     */
    private static final long OUTSIDE_HEAP_MIB = 256;
    private static final Pattern INITIAL = Pattern.compile("-XX:InitialRAMPercentage=([0-9.]+)");

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void heapIsHalfTheLimitCommittedFromTheStart(String dir) throws Exception {
        List<Map<String, Object>> docs = render(dir);
        for (String service : SERVICES) {
            for (Map<String, Object> c : containers(podSpec(named(docs, "Deployment", service)))) {
                String where = dir + ": " + service + "/" + c.get("name");
                Map<String, String> env = environment(docs, c);
                String maxRatio = env.get("JAVA_MAX_MEM_RATIO");
                assertNotNull(maxRatio, where + ": JAVA_MAX_MEM_RATIO (run-java.sh's heap share) set");
                long limit = mebibytes(String.valueOf(map(map(c, "resources"), "limits").get("memory")));
                long heap = (long) (limit * Double.parseDouble(maxRatio) / 100);
                assertTrue(limit - heap >= OUTSIDE_HEAP_MIB, where + ": a " + heap + " MiB heap leaves "
                        + (limit - heap) + " MiB of the " + limit + " MiB limit, not " + OUTSIDE_HEAP_MIB);
                assertTrue(heap >= 256, where + ": a heap of at least 256 MiB (the local stack's), not " + heap);
                Matcher initial = INITIAL.matcher(env.getOrDefault("JDK_JAVA_OPTIONS", ""));
                assertTrue(initial.find(), where + ": JDK_JAVA_OPTIONS sets -XX:InitialRAMPercentage");
                assertEquals(Double.parseDouble(maxRatio), Double.parseDouble(initial.group(1)),
                        where + ": the whole heap committed from the start");
            }
        }
    }

    /** A memory quantity in MiB: 768Mi, 1Gi, 1536Mi. */
    static long mebibytes(String quantity) {
        Matcher m = Pattern.compile("([0-9]+)(Mi|Gi)").matcher(quantity);
        assertTrue(m.matches(), "a memory limit in Mi or Gi, not " + quantity);
        return Long.parseLong(m.group(1)) * (m.group(2).equals("Gi") ? 1024 : 1);
    }
}
