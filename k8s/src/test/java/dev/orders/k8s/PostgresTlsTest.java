package dev.orders.k8s;

import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.find;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.render;
import static dev.orders.k8s.PostgresDurabilityTest.assertMentions;
import static dev.orders.k8s.PostgresDurabilityTest.clusterOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every connection a service opens to a CloudNativePG Cluster (directly or through one of its Poolers) is TLS with
 * {@code sslmode=verify-full} against that Cluster's CA:
 * <ul>
 * <li>each Postgres URL in a container's environment says {@code sslmode=verify-full};</li>
 * <li>its CA file is named (JDBC: {@code sslrootcert} in the URL; a reactive datasource:
 * {@code <datasource>REACTIVE_TRUST_CERTIFICATE_PEM(_CERTS)}, plus {@code HOSTNAME_VERIFICATION_ALGORITHM=HTTPS}, and
 * an {@code SSL_MODE}, if set, that agrees);</li>
 * <li>that file is mounted in the same container from the Secret {@code <cluster>-ca}, key {@code ca.crt} only (never
 * the CA's private key);</li>
 * <li>the host name is on the certificate the server presents: a Cluster's {@code -rw/-ro/-r} Services are on it by
 * default, a Pooler's Service only if its Cluster lists it in {@code spec.certificates.serverAltDNSNames} (a Pooler's
 * PgBouncer presents its Cluster's server certificate).</li>
 * </ul>
 * Connections to anything else (dev's own Postgres and PgBouncer) are not CloudNativePG's and stay as they are.
 */
class PostgresTlsTest {
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.PostgresDurabilityTest#cnpgOverlays")
    void everyConnectionToCloudNativePgIsVerifyFull(String dir) {
        List<Map<String, Object>> docs = render(dir);
        List<String> report = new ArrayList<>();
        assertEquals(List.of(), problems(docs, report), dir);
        assertTrue(report.size() >= 7, dir + ": the services' Postgres connections, checked: " + report);
        report.forEach(r -> System.out.println(dir + ": " + r));
    }

    @Test
    void aUrlWithoutVerifyFullFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        data(docs, "query-service-config").put("QUARKUS_DATASOURCE__PRIMARY__REACTIVE_URL",
                "postgresql://orders-read-pooler-rw:5432/orders_read?sslmode=require");
        assertMentions(problems(docs), "QUARKUS_DATASOURCE__PRIMARY__REACTIVE_URL", "verify-full");
        List<Map<String, Object>> none = render("k8s/overlays/prod"); // no sslmode: pgjdbc's default, prefer
        data(none, "command-service-config").put("QUARKUS_DATASOURCE_JDBC_URL",
                "jdbc:postgresql://orders-write-rw:5432/orders_write?sslrootcert=/etc/orders/postgres-ca/ca.crt");
        assertMentions(problems(none), "command-service/migrate QUARKUS_DATASOURCE_JDBC_URL", "sslmode=null");
    }

    @Test
    void aJdbcUrlWithoutItsRootCertificateFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        data(docs, "projector-config").put("QUARKUS_DATASOURCE_JDBC_URL",
                "jdbc:postgresql://orders-read-rw:5432/orders_read?sslmode=verify-full");
        assertMentions(problems(docs), "projector/migrate", "sslrootcert");
    }

    @Test
    void aReactivePoolWithoutTrustOrHostNameCheckOrWithAnotherModeFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        data(docs, "query-service-config").remove("QUARKUS_DATASOURCE__PRIMARY__REACTIVE_TRUST_CERTIFICATE_PEM_CERTS");
        assertMentions(problems(docs), "QUARKUS_DATASOURCE__PRIMARY__REACTIVE_TRUST_CERTIFICATE_PEM_CERTS");
        List<Map<String, Object>> host = render("k8s/overlays/prod");
        data(host, "command-service-config").remove("QUARKUS_DATASOURCE_REACTIVE_HOSTNAME_VERIFICATION_ALGORITHM");
        assertMentions(problems(host), "HOSTNAME_VERIFICATION_ALGORITHM");
        List<Map<String, Object>> mode = render("k8s/overlays/prod");
        data(mode, "projector-config").put("QUARKUS_DATASOURCE_REACTIVE_POSTGRESQL_SSL_MODE", "require");
        assertMentions(problems(mode), "QUARKUS_DATASOURCE_REACTIVE_POSTGRESQL_SSL_MODE");
    }

    @Test
    void aCaFileThatIsNotMountedFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        Map<String, Object> migrate = list(Manifests.podSpec(named(docs, "Deployment", "command-service")),
                "initContainers").get(0);
        migrate.put("volumeMounts", list(migrate, "volumeMounts").stream()
                .filter(m -> !"/etc/orders/postgres-ca".equals(m.get("mountPath"))).toList());
        assertMentions(problems(docs), "command-service/migrate", "not mounted");
    }

    @Test
    void anotherClustersCaOrTheWholeCaSecretFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(caVolume(docs, "command-service"), "secret").put("secretName", "orders-read-ca");
        assertMentions(problems(docs), "orders-write-ca");
        List<Map<String, Object>> whole = render("k8s/overlays/prod");
        map(caVolume(whole, "projector"), "secret").remove("items");
        assertMentions(problems(whole), "ca.key");
    }

    @Test
    void aPoolerMissingFromTheServerCertificateFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        Map<String, Object> certificates = map(map(named(docs, "Cluster", "orders-read"), "spec"), "certificates");
        certificates.put("serverAltDNSNames", altDnsNames(named(docs, "Cluster", "orders-read")).stream()
                .filter(n -> !n.startsWith("orders-read-pooler-ro")).toList());
        assertMentions(problems(docs), "orders-read-pooler-ro", "serverAltDNSNames");
    }

    static List<String> problems(List<Map<String, Object>> docs) {
        return problems(docs, new ArrayList<>());
    }

    static List<String> problems(List<Map<String, Object>> docs, List<String> report) {
        List<String> problems = new ArrayList<>();
        for (String service : Manifests.SERVICES) {
            Map<String, Object> pod = Manifests.podSpec(named(docs, "Deployment", service));
            for (Map<String, Object> container : Manifests.containers(pod)) {
                Map<String, String> env = environment(docs, container);
                for (Map.Entry<String, String> e : env.entrySet()) {
                    String value = e.getValue();
                    if (value == null || !value.matches("(jdbc:)?postgres(ql)?://.*")) {
                        continue;
                    }
                    String host = Manifests.PgUrl.parse(value).host();
                    Optional<String> cluster = clusterOf(docs, host);
                    if (cluster.isEmpty()) {
                        continue; // not a CloudNativePG Postgres (dev)
                    }
                    String where = service + "/" + container.get("name") + " " + e.getKey() + " → " + host;
                    int before = problems.size();
                    check(docs, pod, container, env, e.getKey(), value, host, cluster.get(), where, problems);
                    if (problems.size() == before) {
                        report.add(where + ": verify-full against " + cluster.get() + "-ca");
                    }
                }
            }
        }
        return problems;
    }

    private static void check(List<Map<String, Object>> docs, Map<String, Object> pod, Map<String, Object> container,
            Map<String, String> env, String key, String url, String host, String cluster, String where,
            List<String> problems) {
        Map<String, String> query = query(url);
        if (!"verify-full".equals(query.get("sslmode"))) {
            problems.add(where + ": sslmode=" + query.get("sslmode") + " in the URL (verify-full)");
        }
        List<String> caFiles = new ArrayList<>();
        if (url.startsWith("jdbc:")) {
            if (query.get("sslrootcert") == null) {
                problems.add(where + ": no sslrootcert in the JDBC URL (the CA file verify-full checks against)");
            } else {
                caFiles.add(query.get("sslrootcert"));
            }
        } else {
            if (!key.endsWith("REACTIVE_URL")) {
                problems.add(where + ": a Postgres URL whose TLS settings this test does not know (add them here)");
                return;
            }
            String prefix = key.substring(0, key.length() - "URL".length());
            String mode = env.get(prefix + "POSTGRESQL_SSL_MODE");
            if (mode != null && !"verify-full".equals(mode)) {
                problems.add(where + ": " + prefix + "POSTGRESQL_SSL_MODE=" + mode + " overrides the URL's sslmode");
            }
            if (!"true".equals(env.get(prefix + "TRUST_CERTIFICATE_PEM"))) {
                problems.add(where + ": " + prefix + "TRUST_CERTIFICATE_PEM is not true");
            }
            String certs = env.get(prefix + "TRUST_CERTIFICATE_PEM_CERTS");
            if (certs == null || certs.isBlank()) {
                problems.add(where + ": no " + prefix + "TRUST_CERTIFICATE_PEM_CERTS (the CA file)");
            } else {
                for (String c : certs.split(",")) {
                    caFiles.add(c.trim());
                }
            }
            if (!"HTTPS".equalsIgnoreCase(String.valueOf(env.get(prefix + "HOSTNAME_VERIFICATION_ALGORITHM")))) {
                problems.add(where + ": " + prefix + "HOSTNAME_VERIFICATION_ALGORITHM="
                        + env.get(prefix + "HOSTNAME_VERIFICATION_ALGORITHM") + " (HTTPS: verify-full checks the name)");
            }
        }
        for (String file : caFiles) {
            problems.addAll(mountProblems(pod, container, file, cluster + "-ca", where));
        }
        if (find(docs, "Pooler", host).isPresent()) {
            List<String> names = altDnsNames(named(docs, "Cluster", cluster));
            if (!names.contains(host)) {
                problems.add(where + ": the Pooler presents Cluster/" + cluster + "'s server certificate, whose "
                        + "spec.certificates.serverAltDNSNames " + names + " do not name " + host);
            }
        }
    }

    /** Whether {@code file} is the key ca.crt of the Secret {@code secret}, mounted in this container. */
    private static List<String> mountProblems(Map<String, Object> pod, Map<String, Object> container, String file,
            String secret, String where) {
        for (Map<String, Object> mount : list(container, "volumeMounts")) {
            String dir = String.valueOf(mount.get("mountPath")).replaceFirst("/$", "");
            if (!file.startsWith(dir + "/")) {
                continue;
            }
            String path = file.substring(dir.length() + 1);
            Map<String, Object> volume = list(pod, "volumes").stream()
                    .filter(v -> String.valueOf(mount.get("name")).equals(v.get("name"))).findFirst().orElse(Map.of());
            Map<String, Object> source = map(volume, "secret");
            List<String> problems = new ArrayList<>();
            if (!secret.equals(source.get("secretName"))) {
                problems.add(where + ": " + file + " comes from " + (source.isEmpty() ? "volume " + volume
                        : "Secret " + source.get("secretName")) + ", not from Secret " + secret);
            }
            List<Map<String, Object>> items = list(source, "items");
            if (items.isEmpty()) {
                problems.add(where + ": the whole Secret " + source.get("secretName") + " is mounted, its CA key "
                        + "ca.key included (mount items: [{key: ca.crt, path: " + path + "}])");
            } else if (items.stream().noneMatch(i -> "ca.crt".equals(i.get("key")) && path.equals(i.get("path")))
                    || items.stream().anyMatch(i -> !"ca.crt".equals(i.get("key")))) {
                problems.add(where + ": " + file + " is not the key ca.crt alone of Secret " + secret + " (" + items
                        + ")");
            }
            return problems;
        }
        return List.of(where + ": " + file + " is not mounted in container " + container.get("name"));
    }

    /** The query parameters of a URL. */
    static Map<String, String> query(String url) {
        Map<String, String> out = new LinkedHashMap<>();
        String q = URI.create(url.replaceFirst("^jdbc:", "")).getQuery();
        if (q != null) {
            for (String pair : q.split("&")) {
                int eq = pair.indexOf('=');
                out.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        return out;
    }

    private static Map<String, Object> data(List<Map<String, Object>> docs, String configMap) {
        return map(named(docs, "ConfigMap", configMap), "data");
    }

    private static Map<String, Object> caVolume(List<Map<String, Object>> docs, String service) {
        return list(Manifests.podSpec(named(docs, "Deployment", service)), "volumes").stream()
                .filter(v -> "postgres-ca".equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError(service + ": no volume postgres-ca"));
    }

    /** A Cluster's spec.certificates.serverAltDNSNames. */
    static List<String> altDnsNames(Map<String, Object> cluster) {
        Object names = map(map(cluster, "spec"), "certificates").get("serverAltDNSNames");
        return names instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
    }
}
