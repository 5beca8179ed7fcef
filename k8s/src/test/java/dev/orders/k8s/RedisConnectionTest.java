package dev.orders.k8s;

import static dev.orders.k8s.Manifests.SERVICES;
import static dev.orders.k8s.Manifests.containers;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.podSpec;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/**
 * prod's Redis clients (query-service, the projector) connect over TLS as their own ACL user: every container that
 * runs a service's image and gets {@code QUARKUS_REDIS_HOSTS} has only {@code rediss://} URLs that name a user
 * ({@code ?user=} or {@code user@}) and carry no password; its password comes from a Secret ({@code env} with a
 * {@code secretKeyRef}, never a literal or a ConfigMap key); its Redis client uses a named TLS configuration of
 * Quarkus's TLS registry that trusts PEM files mounted from a Secret and verifies the host name (HTTPS). dev and the
 * local stack keep plain Redis.
 */
class RedisConnectionTest {
    static final String PROD = "k8s/overlays/prod";

    @Test
    void prodRedisClientsUseTlsAndAnAclUserWithAPasswordFromASecret() {
        List<String> checked = new ArrayList<>();
        List<String> problems = problems(render(PROD), checked);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // query-service; the projector and its migrate init container (which loads the TLS configuration too)
        assertEquals(List.of("projector/migrate", "projector/projector", "query-service/query-service"),
                checked.stream().sorted().toList());
    }

    @Test
    void devAndTheLocalStackKeepPlainRedis() throws Exception {
        List<Map<String, Object>> docs = render("k8s/overlays/dev");
        for (String service : List.of("projector", "query-service")) {
            String hosts = environment(docs, Manifests.mainContainer(named(docs, "Deployment", service)))
                    .get("QUARKUS_REDIS_HOSTS");
            assertTrue(hosts.startsWith("redis://"), "dev " + service + ": " + hosts);
            String local = Manifests.applicationProperties(service).get("quarkus.redis.hosts");
            assertTrue(local.startsWith("redis://127.0.0.1:"), service + " application.properties: " + local);
        }
    }

    // --- controls: each weakening is caught ----------------------------------------------------------------------

    @Test
    void plainRedisFails() {
        assertCaught(docs -> configMap(docs, "query-service-config").put("QUARKUS_REDIS_HOSTS",
                "redis://redis.orders.internal.example.com:6379?user=orders-query-service"), "not rediss://");
    }

    @Test
    void aUrlWithoutUserOrWithItsPasswordFails() {
        assertCaught(docs -> configMap(docs, "projector-config").put("QUARKUS_REDIS_HOSTS",
                "rediss://redis.orders.internal.example.com:6380"), "names no ACL user");
        assertCaught(docs -> configMap(docs, "query-service-config").put("QUARKUS_REDIS_HOSTS",
                "rediss://orders-query-service:s3cret@redis.orders.internal.example.com:6380"), "password in the URL");
    }

    @Test
    void aPasswordNotFromASecretFails() {
        assertCaught(docs -> {
            env(docs, "query-service").removeIf(e -> "QUARKUS_REDIS_PASSWORD".equals(e.get("name")));
            configMap(docs, "query-service-config").put("QUARKUS_REDIS_PASSWORD", "s3cret");
        }, "QUARKUS_REDIS_PASSWORD is not a secretKeyRef");
        assertCaught(docs -> env(docs, "projector").stream().filter(e -> "QUARKUS_REDIS_PASSWORD".equals(e.get("name")))
                .forEach(e -> {
                    e.remove("valueFrom");
                    e.put("value", "s3cret");
                }), "QUARKUS_REDIS_PASSWORD is not a secretKeyRef");
    }

    @Test
    void noTlsConfigurationOrNoHostNameVerificationFails() {
        assertCaught(docs -> env(docs, "query-service")
                .removeIf(e -> "QUARKUS_REDIS_TLS_CONFIGURATION_NAME".equals(e.get("name"))),
                "no named TLS configuration");
        assertCaught(docs -> env(docs, "projector").stream()
                .filter(e -> "QUARKUS_TLS__REDIS__HOSTNAME_VERIFICATION_ALGORITHM".equals(e.get("name")))
                .forEach(e -> e.put("value", "NONE")), "host name verification");
    }

    @Test
    void aTrustStoreThatIsNotMountedFromASecretFails() {
        assertCaught(docs -> list(Manifests.mainContainer(named(docs, "Deployment", "query-service")), "volumeMounts")
                .removeIf(m -> "/etc/orders/redis-ca".equals(m.get("mountPath"))), "not a file of a mounted Secret");
    }

    private static void assertCaught(Consumer<List<Map<String, Object>>> weaken, String mention) {
        List<Map<String, Object>> docs = render(PROD);
        weaken.accept(docs);
        List<String> problems = problems(docs, new ArrayList<>());
        assertTrue(problems.stream().anyMatch(p -> p.contains(mention)), mention + " caught: " + problems);
    }

    private static Map<String, Object> configMap(List<Map<String, Object>> docs, String name) {
        return map(named(docs, "ConfigMap", name), "data");
    }

    private static List<Map<String, Object>> env(List<Map<String, Object>> docs, String service) {
        return list(Manifests.mainContainer(named(docs, "Deployment", service)), "env");
    }

    // --- the check ----------------------------------------------------------------------------------------------

    static List<String> problems(List<Map<String, Object>> docs, List<String> checked) {
        List<String> problems = new ArrayList<>();
        for (String service : SERVICES) {
            Map<String, Object> pod = podSpec(named(docs, "Deployment", service));
            for (Map<String, Object> c : containers(pod)) {
                if (!String.valueOf(c.get("image")).contains("/" + service)) {
                    continue;
                }
                Map<String, String> env = environment(docs, c);
                String hosts = env.get("QUARKUS_REDIS_HOSTS");
                if (hosts == null) {
                    continue;
                }
                String where = service + "/" + c.get("name") + ": ";
                checked.add(service + "/" + c.get("name"));
                for (String host : hosts.split(",")) {
                    problems.addAll(urlProblems(where, host.trim()));
                }
                problems.addAll(passwordProblems(where, docs, c));
                problems.addAll(tlsProblems(where, pod, c, env));
            }
        }
        return problems;
    }

    private static List<String> urlProblems(String where, String url) {
        List<String> problems = new ArrayList<>();
        URI uri = URI.create(url);
        if (!"rediss".equals(uri.getScheme())) {
            problems.add(where + url + " is not rediss:// (TLS)");
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && userInfo.contains(":")) {
            problems.add(where + "a password in the URL " + url.replaceFirst(":[^@/]*@", ":***@"));
        }
        // Vert.x's Redis client reads the user from `user:password@`; without a ':' it ignores the user info and reads
        // ?user= (and ?password=) instead
        boolean user = userInfo != null && userInfo.contains(":") ? userInfo.indexOf(':') > 0
                : uri.getRawQuery() != null && List.of(uri.getRawQuery().split("&")).stream()
                        .anyMatch(p -> p.matches("user=.+"));
        if (uri.getRawQuery() != null && uri.getRawQuery().matches("(.*&)?password=.*")) {
            problems.add(where + "a password in the URL's query");
        }
        if (!user) {
            problems.add(where + url + " names no ACL user (?user=<name>)");
        }
        return problems;
    }

    /** QUARKUS_REDIS_PASSWORD from a Secret: an env entry with a secretKeyRef, and no ConfigMap key of that name. */
    private static List<String> passwordProblems(String where, List<Map<String, Object>> docs, Map<String, Object> c) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> entry = list(c, "env").stream().filter(e -> "QUARKUS_REDIS_PASSWORD".equals(e.get("name")))
                .findFirst().orElse(Map.of());
        Map<String, Object> ref = map(map(entry, "valueFrom"), "secretKeyRef");
        if (ref.get("name") == null || ref.get("key") == null || Boolean.TRUE.equals(ref.get("optional"))) {
            problems.add(where + "QUARKUS_REDIS_PASSWORD is not a secretKeyRef (a required key of a Secret)");
        }
        for (Map<String, Object> from : list(c, "envFrom")) {
            Object cm = map(from, "configMapRef").get("name");
            Map<String, Object> data = cm == null ? Map.of() : map(named(docs, "ConfigMap", String.valueOf(cm)), "data");
            if (data.containsKey("QUARKUS_REDIS_PASSWORD")) {
                problems.add(where + "QUARKUS_REDIS_PASSWORD in ConfigMap " + cm);
            }
        }
        return problems;
    }

    /** A named TLS configuration that trusts PEM files of a mounted Secret and verifies the host name. */
    private static List<String> tlsProblems(String where, Map<String, Object> pod, Map<String, Object> c,
            Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        String name = env.get("QUARKUS_REDIS_TLS_CONFIGURATION_NAME");
        if (name == null || name.isBlank()) {
            return List.of(where + "no named TLS configuration for Redis (QUARKUS_REDIS_TLS_CONFIGURATION_NAME)");
        }
        String prefix = "QUARKUS_TLS__" + ConfigKeys.env(name) + "__";
        if (!"HTTPS".equals(env.get(prefix + "HOSTNAME_VERIFICATION_ALGORITHM"))) {
            problems.add(where + "TLS configuration " + name + " does no host name verification ("
                    + prefix + "HOSTNAME_VERIFICATION_ALGORITHM=" + env.get(prefix + "HOSTNAME_VERIFICATION_ALGORITHM")
                    + ", want HTTPS)");
        }
        if ("true".equals(env.get(prefix + "TRUST_ALL"))) {
            problems.add(where + "TLS configuration " + name + " trusts all certificates");
        }
        String certs = env.get(prefix + "TRUST_STORE_PEM_CERTS");
        if (certs == null) {
            problems.add(where + "TLS configuration " + name + " names no trusted CA (" + prefix
                    + "TRUST_STORE_PEM_CERTS)");
            return problems;
        }
        for (String file : certs.split(",")) {
            if (!fromMountedSecret(pod, c, file.trim())) {
                problems.add(where + "the trusted CA " + file + " is not a file of a mounted Secret");
            }
        }
        return problems;
    }

    /** The file lies under a volumeMount of the container whose volume is a Secret (with that key, if items). */
    static boolean fromMountedSecret(Map<String, Object> pod, Map<String, Object> c, String file) {
        for (Map<String, Object> mount : list(c, "volumeMounts")) {
            String dir = String.valueOf(mount.get("mountPath")).replaceFirst("/$", "");
            if (!file.startsWith(dir + "/")) {
                continue;
            }
            String relative = file.substring(dir.length() + 1);
            for (Map<String, Object> v : list(pod, "volumes")) {
                Map<String, Object> secret = map(v, "secret");
                if (mount.get("name").equals(v.get("name")) && secret.get("secretName") != null) {
                    List<Map<String, Object>> items = list(secret, "items");
                    return items.isEmpty() || items.stream().anyMatch(i -> relative.equals(i.get("path")));
                }
            }
        }
        return false;
    }
}
