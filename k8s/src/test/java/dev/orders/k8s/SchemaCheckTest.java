package dev.orders.k8s;

import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1CronJob;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Offline schema check of every rendered object, without a cluster or network:
 * <ul>
 * <li>built-in kinds against the Kubernetes API's own models ({@code io.kubernetes:client-java-api}, generated from
 * the API's OpenAPI document): unknown fields, missing required fields, wrong JSON types, values that do not
 * deserialize (a string where an integer belongs);</li>
 * <li>custom resources (ServiceMonitor, PrometheusRule, CloudNativePG, Strimzi) against the minimal hand-written JSON schemas in
 * src/test/resources/schemas (fields used here only; see the README there).</li>
 * </ul>
 * An object of any other kind fails: add its model or schema first.
 */
class SchemaCheckTest {
    static final Map<String, Class<?>> BUILT_IN = Map.ofEntries(
            Map.entry("v1/ConfigMap", V1ConfigMap.class),
            Map.entry("v1/Secret", V1Secret.class),
            Map.entry("v1/Service", V1Service.class),
            Map.entry("v1/ServiceAccount", V1ServiceAccount.class),
            Map.entry("v1/Namespace", V1Namespace.class),
            Map.entry("apps/v1/Deployment", V1Deployment.class),
            Map.entry("apps/v1/StatefulSet", V1StatefulSet.class),
            Map.entry("batch/v1/Job", V1Job.class),
            Map.entry("batch/v1/CronJob", V1CronJob.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", V1Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", V1RoleBinding.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", V2HorizontalPodAutoscaler.class),
            Map.entry("policy/v1/PodDisruptionBudget", V1PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", V1NetworkPolicy.class),
            Map.entry("networking.k8s.io/v1/Ingress", V1Ingress.class));

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final JsonMapper JACKSON = new JsonMapper();
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void everyRenderedObjectMatchesItsSchema(String dir) {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> docs = render(dir);
        for (Map<String, Object> doc : docs) {
            problems.addAll(problems(doc));
        }
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
        System.out.println("schema check of " + dir + ": " + docs.size() + " objects valid");
    }

    // --- control tests: the check can fail ----------------------------------------------------------------------

    @Test
    void aMisspelledFieldInADeploymentFails() {
        Map<String, Object> d = named(render("k8s/overlays/dev"), "Deployment", "query-service");
        Map<String, Object> container = list(Manifests.podSpec(d), "containers").get(0);
        container.put("readinesProbe", container.remove("readinessProbe"));
        assertFails(d, "readinesProbe");
    }

    @Test
    void aWrongTypeInADeploymentFails() {
        Map<String, Object> d = named(render("k8s/overlays/dev"), "Deployment", "command-service");
        map(d, "spec").put("replicas", "two");
        assertFails(d, "\"two\"");
    }

    @Test
    void aMissingRequiredFieldInAServiceFails() {
        Map<String, Object> s = named(render("k8s/base"), "Service", "projector");
        list(map(s, "spec"), "ports").get(0).remove("port");
        assertFails(s, "port");
    }

    @Test
    void aMisspelledFieldInAPoolerFails() {
        Map<String, Object> p = named(render("k8s/overlays/prod"), "Pooler", "orders-write-pooler-rw");
        Map<String, Object> pgbouncer = map(map(p, "spec"), "pgbouncer");
        pgbouncer.put("poolmode", pgbouncer.remove("poolMode"));
        assertFails(p, "poolmode");
    }

    @Test
    void aPgBouncerParameterCloudNativePgRejectsFails() {
        Map<String, Object> p = named(render("k8s/overlays/prod"), "Pooler", "orders-read-pooler-ro");
        map(map(map(p, "spec"), "pgbouncer"), "parameters").put("default_pool_sizes", "20");
        assertFails(p, "default_pool_sizes");
    }

    @Test
    void aNumberWhereCloudNativePgWantsAStringFails() {
        Map<String, Object> c = named(render("k8s/overlays/prod"), "Cluster", "orders-write");
        map(map(map(c, "spec"), "postgresql"), "parameters").put("max_connections", 200);
        assertFails(c, "max_connections");
    }

    @Test
    void aWrongTypeInAKafkaTopicFails() {
        Map<String, Object> t = named(render("k8s/overlays/prod"), "KafkaTopic", "orders-events-v1");
        map(t, "spec").put("partitions", "six");
        assertFails(t, "partitions");
    }

    @Test
    void aMisspelledFieldInAPrometheusRuleFails() {
        Map<String, Object> r = named(render("k8s/overlays/prod"), "PrometheusRule", "orders");
        Map<String, Object> alert = list(list(map(r, "spec"), "groups").get(1), "rules").get(0);
        alert.put("annotation", alert.remove("annotations"));
        assertFails(r, "annotation");
    }

    @Test
    void aRecordingRuleWithAlertFieldsOrARuleWithoutExprFails() {
        Map<String, Object> r = named(render("k8s/base"), "PrometheusRule", "orders");
        List<Map<String, Object>> groups = list(map(r, "spec"), "groups");
        list(groups.get(0), "rules").get(0).put("for", "5m");
        assertFails(r, "one and only one schema");
        Map<String, Object> r2 = named(render("k8s/base"), "PrometheusRule", "orders");
        list(list(map(r2, "spec"), "groups").get(1), "rules").get(0).remove("expr");
        assertFails(r2, "expr");
    }

    @Test
    void anUnknownKindFails() {
        Map<String, Object> o = new java.util.HashMap<>(Map.of("apiVersion", "example.com/v1", "kind", "Widget",
                "metadata", Map.of("name", "w")));
        assertFails(o, "no schema");
    }

    private static void assertFails(Map<String, Object> doc, String mention) {
        List<String> problems = problems(doc);
        assertTrue(!problems.isEmpty() && String.join("\n", problems).contains(mention),
                describe(doc) + " should fail the schema check mentioning " + mention + ", got " + problems);
    }

    // --- the check ---------------------------------------------------------------------------------------------

    static List<String> problems(Map<String, Object> doc) {
        String type = doc.get("apiVersion") + "/" + doc.get("kind");
        String where = describe(doc) + " (" + doc.get("apiVersion") + ")";
        Class<?> model = BUILT_IN.get(type);
        if (model != null) {
            return builtIn(where, model, doc);
        }
        Schema schema = schema(String.valueOf(doc.get("apiVersion")), String.valueOf(doc.get("kind")));
        if (schema == null) {
            return List.of(where + ": no schema for " + type + " (add a model or src/test/resources/schemas/" + type
                    + ".yaml)");
        }
        JsonNode node = JACKSON.valueToTree(doc);
        return schema.validate(node).stream().map(e -> where + ": " + e.getInstanceLocation() + " " + e.getMessage())
                .toList();
    }

    private static List<String> builtIn(String where, Class<?> model, Map<String, Object> doc) {
        JsonElement json = new Gson().toJsonTree(doc);
        try {
            Method validate = model.getMethod("validateJsonElement", JsonElement.class);
            validate.invoke(null, json);
            // types the validation leaves to deserialization (integers, …); from text, so errors carry the JSON path
            JSON.getGson().fromJson(json.toString(), model);
            return List.of();
        } catch (InvocationTargetException e) {
            return List.of(where + ": " + e.getCause().getMessage().replaceFirst(" JSON: .*", ""));
        } catch (RuntimeException e) {
            return List.of(where + ": a value does not fit its field's type: " + e.getMessage());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static Schema schema(String apiVersion, String kind) {
        String path = "/schemas/" + apiVersion + "/" + kind + ".yaml";
        if (SchemaCheckTest.class.getResource(path) == null) {
            return null;
        }
        return SCHEMAS.computeIfAbsent(path, p -> {
            try (InputStream in = SchemaCheckTest.class.getResourceAsStream(p)) {
                Object yaml = new Yaml(new LoaderOptions()).load(in);
                return REGISTRY.getSchema(JACKSON.<JsonNode>valueToTree(yaml));
            } catch (IOException e) {
                throw new AssertionError(p + ": " + e.getMessage(), e);
            }
        });
    }
}
