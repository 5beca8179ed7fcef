package dev.orders.k8s;

import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optional components (k8s/components) render into prod, alone and together ({@link Components}): every object
 * passes the offline schema check ({@link SchemaCheckTest}: the new kinds against their minimal schemas), and prod's
 * own invariants still hold with them (egress to every configured host and to nothing beyond, Redis over TLS, both
 * APIs behind TLS Ingresses).
 */
class ComponentsTest {

    @Test
    void bothComponentsAreRendered() {
        assertEquals(List.of("external-secrets", "keda-projector"), Components.names());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Components#renderings")
    void everyObjectMatchesItsSchema(String dir) {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> docs = render(dir);
        for (Map<String, Object> doc : docs) {
            problems.addAll(SchemaCheckTest.problems(doc));
        }
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
        System.out.println("schema check of " + dir + ": " + docs.size() + " objects valid");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Components#renderings")
    void prodsInvariantsStillHold(String dir) {
        List<Map<String, Object>> docs = render(dir);
        List<String> problems = new ArrayList<>();
        problems.addAll(NetworkPolicyEgressTest.egressProblems(docs));
        problems.addAll(NetworkPolicyEgressTest.openEgress(docs));
        problems.addAll(RedisConnectionTest.problems(docs, new ArrayList<>()));
        problems.addAll(IngressTest.problems(docs));
        problems.addAll(IngressTest.readBaseUrlProblems(docs));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /** Controls: the schemas of the new kinds catch a misspelled field and a wrong type. */
    @Test
    void theNewKindsSchemasCatchMistakes() {
        List<Map<String, Object>> docs = render(Components.prodWith(Components.names()));
        Map<String, Object> so = Manifests.named(docs, "ScaledObject", "projector");
        Map<String, Object> spec = Manifests.map(so, "spec");
        spec.put("maxReplicas", spec.remove("maxReplicaCount"));
        assertMentions(so, "maxReplicas");
        Map<String, Object> so2 = Manifests.named(render(Components.prodWith(Components.names())), "ScaledObject",
                "projector");
        Map<String, Object> trigger = Manifests.list(Manifests.map(so2, "spec"), "triggers").get(0);
        Manifests.map(trigger, "metadata").put("lagThreshold", 5000);
        assertMentions(so2, "lagThreshold");
        Map<String, Object> auth = Manifests.named(docs, "TriggerAuthentication", "keda-projector-kafka");
        Manifests.list(Manifests.map(auth, "spec"), "secretTargetRef").get(0).remove("key");
        assertMentions(auth, "key");
        Map<String, Object> es = Manifests.named(docs, "ExternalSecret", "orders-jwt-public-key");
        Manifests.map(es, "spec").put("refreshInterval", 3600);
        assertMentions(es, "refreshInterval");
        Map<String, Object> store = Manifests.named(docs, "SecretStore", "orders");
        Map<String, Object> vault = Manifests.map(Manifests.map(Manifests.map(store, "spec"), "provider"), "vault");
        vault.put("server", "http://vault:8200");
        assertMentions(store, "server");
    }

    private static void assertMentions(Map<String, Object> doc, String mention) {
        List<String> problems = SchemaCheckTest.problems(doc);
        assertTrue(!problems.isEmpty() && String.join("\n", problems).contains(mention),
                Manifests.describe(doc) + " should fail the schema check mentioning " + mention + ", got " + problems);
    }
}
