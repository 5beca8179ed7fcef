package dev.orders.k8s;

import static dev.orders.k8s.Manifests.REPO;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The ExternalSecrets path (k8s/components/external-secrets), rendered into prod: an ExternalSecret produces every
 * Secret that k8s/README.md has a platform team create by hand for prod ({@code kubectl -n <ns> create secret
 * generic}), with the keys and type that command gives it, and every Secret that prod's pods use (envFrom, env,
 * volumes) unless an operator writes it (Strimzi: a KafkaUser's Secret, the cluster and clients CAs; CloudNativePG:
 * a Cluster's CA, server, replication, superuser and generated app Secrets). Each reads a store the rendering defines
 * (or a ClusterSecretStore).
 */
class ExternalSecretsTest {
    static final String COMPONENT = "external-secrets";

    /** A Secret as the README creates it: its keys and its type (null: Opaque). */
    record HandMade(Set<String> keys, String type) {
    }

    @Test
    void theComponentProducesEverySecretProdNeeds() {
        List<Map<String, Object>> docs = render(Components.prodWith(List.of(COMPONENT)));
        List<String> problems = problems(docs);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        System.out.println("ExternalSecrets produce " + new TreeSet<>(produced(docs).keySet()));
    }

    // --- controls -----------------------------------------------------------------------------------------------

    @Test
    void aMissingExternalSecretFails() {
        assertCaught(docs -> docs.removeIf(d -> "ExternalSecret".equals(d.get("kind"))
                && "query-service-redis-creds".equals(Manifests.name(d))),
                "query-service-redis-creds: no ExternalSecret");
        assertCaught(docs -> docs.removeIf(d -> "ExternalSecret".equals(d.get("kind"))
                && "orders-backup-s3".equals(Manifests.name(d))), "orders-backup-s3: no ExternalSecret");
    }

    @Test
    void aMissingKeyOrTypeFails() {
        assertCaught(docs -> list(map(externalSecret(docs, "command-service-config-creds"), "spec"), "data")
                .removeIf(d -> "QUARKUS_DATASOURCE_PASSWORD".equals(d.get("secretKey"))),
                "command-service-config-creds: no key QUARKUS_DATASOURCE_PASSWORD");
        assertCaught(docs -> map(map(map(externalSecret(docs, "orders-write-app"), "spec"), "target"), "template")
                .remove("type"), "orders-write-app: type null, the README creates kubernetes.io/basic-auth");
    }

    @Test
    void anUndefinedStoreFails() {
        assertCaught(docs -> docs.removeIf(d -> "SecretStore".equals(d.get("kind"))), "reads SecretStore/orders");
    }

    @Test
    void theReadmeListsTheHandMadeSecrets() {
        Map<String, HandMade> readme = handMade();
        assertFalse(readme.isEmpty(), "k8s/README.md creates prod's Secrets");
        assertTrue(readme.containsKey("command-service-config-creds") && readme.containsKey("orders-jwt-public-key"),
                readme.toString());
    }

    private static void assertCaught(Consumer<List<Map<String, Object>>> weaken, String mention) {
        List<Map<String, Object>> docs = new ArrayList<>(render(Components.prodWith(List.of(COMPONENT))));
        weaken.accept(docs);
        List<String> problems = problems(docs);
        assertTrue(problems.stream().anyMatch(p -> p.contains(mention)), mention + " caught: " + problems);
    }

    private static Map<String, Object> externalSecret(List<Map<String, Object>> docs, String name) {
        return Manifests.named(docs, "ExternalSecret", name);
    }

    // --- the check ----------------------------------------------------------------------------------------------

    static List<String> problems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, Object>> produced = produced(docs);
        Set<String> operators = operatorSecrets(docs);
        Map<String, Set<String>> needed = new LinkedHashMap<>();
        handMade().forEach((name, h) -> needed.computeIfAbsent(name, n -> new TreeSet<>()).addAll(h.keys()));
        podSecrets(docs).forEach((name, keys) -> {
            if (!operators.contains(name)) {
                needed.computeIfAbsent(name, n -> new TreeSet<>()).addAll(keys);
            }
        });
        for (Map.Entry<String, Set<String>> n : needed.entrySet()) {
            Map<String, Object> es = produced.get(n.getKey());
            if (es == null) {
                problems.add(n.getKey() + ": no ExternalSecret produces it (add one to k8s/components/" + COMPONENT
                        + "/external-secrets.yaml)");
                continue;
            }
            Map<String, Object> spec = map(es, "spec");
            Set<String> keys = keys(spec);
            boolean extracts = !list(spec, "dataFrom").isEmpty();
            for (String key : n.getValue()) {
                if (!keys.contains(key) && !extracts) {
                    problems.add(n.getKey() + ": no key " + key + " in its ExternalSecret (data or template.data)");
                }
            }
            HandMade h = handMade().get(n.getKey());
            Object type = map(map(spec, "target"), "template").get("type");
            if (h != null && h.type() != null && !h.type().equals(type)) {
                problems.add(n.getKey() + ": type " + type + ", the README creates " + h.type());
            }
        }
        for (Map<String, Object> es : Manifests.ofKind(docs, "ExternalSecret")) {
            Map<String, Object> ref = map(map(es, "spec"), "secretStoreRef");
            String kind = String.valueOf(ref.getOrDefault("kind", "SecretStore"));
            String store = String.valueOf(ref.get("name"));
            if ("SecretStore".equals(kind) && Manifests.find(docs, "SecretStore", store).isEmpty()) {
                problems.add(Manifests.describe(es) + " reads SecretStore/" + store + ", which is not rendered");
            }
        }
        return problems;
    }

    /** ExternalSecrets by the Secret they write (target.name, else their own name). */
    static Map<String, Map<String, Object>> produced(List<Map<String, Object>> docs) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map<String, Object> es : Manifests.ofKind(docs, "ExternalSecret")) {
            Object target = map(map(es, "spec"), "target").get("name");
            out.put(target == null ? Manifests.name(es) : String.valueOf(target), es);
        }
        return out;
    }

    /** The keys an ExternalSecret writes: template.data's if it has them, else data's secretKeys. */
    private static Set<String> keys(Map<String, Object> spec) {
        Map<String, Object> template = map(map(map(spec, "target"), "template"), "data");
        if (!template.isEmpty()) {
            return new TreeSet<>(template.keySet());
        }
        Set<String> keys = new TreeSet<>();
        list(spec, "data").forEach(d -> keys.add(String.valueOf(d.get("secretKey"))));
        return keys;
    }

    /** Secrets the rendered pods use, with the keys they name (secretKeyRef, volume items; envFrom names none). */
    static Map<String, Set<String>> podSecrets(List<Map<String, Object>> docs) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Map.Entry<Map<String, Object>, Map<String, Object>> w : Manifests.workloads(docs)) {
            for (Map<String, Object> v : list(w.getValue(), "volumes")) {
                Map<String, Object> secret = map(v, "secret");
                if (secret.get("secretName") != null) {
                    String name = String.valueOf(secret.get("secretName"));
                    Set<String> keys = out.computeIfAbsent(name, n -> new TreeSet<>());
                    list(secret, "items").forEach(i -> keys.add(String.valueOf(i.get("key"))));
                }
            }
            for (Map<String, Object> c : Manifests.containers(w.getValue())) {
                for (Map<String, Object> from : list(c, "envFrom")) {
                    Object name = map(from, "secretRef").get("name");
                    if (name != null) {
                        out.computeIfAbsent(String.valueOf(name), n -> new TreeSet<>());
                    }
                }
                for (Map<String, Object> e : list(c, "env")) {
                    Map<String, Object> ref = map(map(e, "valueFrom"), "secretKeyRef");
                    if (ref.get("name") != null) {
                        out.computeIfAbsent(String.valueOf(ref.get("name")), n -> new TreeSet<>())
                                .add(String.valueOf(ref.get("key")));
                    }
                }
            }
        }
        return out;
    }

    /** Secrets that Strimzi's and CloudNativePG's operators write themselves. */
    static Set<String> operatorSecrets(List<Map<String, Object>> docs) {
        Set<String> out = new LinkedHashSet<>();
        Manifests.ofKind(docs, "KafkaUser").forEach(u -> out.add(Manifests.name(u)));
        for (Map<String, Object> k : Manifests.ofKind(docs, "Kafka")) {
            for (String suffix : List.of("-cluster-ca-cert", "-cluster-ca", "-clients-ca-cert", "-clients-ca")) {
                out.add(Manifests.name(k) + suffix);
            }
        }
        for (Map<String, Object> c : Manifests.ofKind(docs, "Cluster")) {
            for (String suffix : List.of("-ca", "-server", "-replication", "-superuser")) {
                out.add(Manifests.name(c) + suffix);
            }
            if (map(map(map(map(c, "spec"), "bootstrap"), "initdb"), "secret").get("name") == null) {
                out.add(Manifests.name(c) + "-app");
            }
        }
        return out;
    }

    /** The Secrets k8s/README.md creates for prod: {@code kubectl -n <prod namespace> create secret generic}. */
    static Map<String, HandMade> handMade() {
        String readme;
        try {
            readme = Files.readString(REPO.resolve("k8s/README.md"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String namespace = Components.namespace(Components.PROD);
        Map<String, HandMade> out = new LinkedHashMap<>();
        Matcher create = Pattern.compile("kubectl -n " + Pattern.quote(namespace)
                + " create secret generic ([a-z0-9.-]+)").matcher(readme);
        while (create.find()) {
            StringBuilder command = new StringBuilder();
            for (String line : readme.substring(create.start()).lines().toList()) {
                command.append(line).append('\n');
                if (!line.stripTrailing().endsWith("\\")) {
                    break;
                }
            }
            Set<String> keys = new TreeSet<>();
            Matcher key = Pattern.compile("--from-(?:literal|file)=([-._a-zA-Z0-9]+)=").matcher(command);
            while (key.find()) {
                keys.add(key.group(1));
            }
            Matcher type = Pattern.compile("--type=(\\S+)").matcher(command);
            HandMade h = new HandMade(keys, type.find() ? type.group(1) : null);
            // the first command for a name is the setup (later ones, e.g. in a rotation, repeat it)
            out.putIfAbsent(create.group(1), h);
        }
        return out;
    }
}
