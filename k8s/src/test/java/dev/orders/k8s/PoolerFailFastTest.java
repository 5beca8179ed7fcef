package dev.orders.k8s;

import static dev.orders.k8s.Manifests.REPO;
import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.mountedConfigFiles;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.render;
import static dev.orders.k8s.Manifests.workloads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every PgBouncer (the local stack's, dev's pods, prod's CloudNativePG Poolers) fails fast on a dead Postgres and uses
 * a restarted one at once, with the same settings everywhere: PgBouncer's defaults keep a query waiting for a server
 * 120 s ({@code query_wait_timeout}) and, after a failed connect, refuse new clients for 15 s
 * ({@code server_login_retry}) even once the database is back (measured: BENCHMARKS.md, session 26;
 * deploy/e2e PoolerFailFastIT).
 */
class PoolerFailFastTest {
    /**
     * The most each setting may be, in seconds: a query waiting for a dead server ends within the database roles'
     * statement_timeout (5 s), and a restarted server is used within about a second.
     */
    static final Map<String, Double> MAXIMUM = Map.of("query_wait_timeout", 5.0, "server_connect_timeout", 5.0,
            "server_login_retry", 2.0);

    /** The local stack's values (deploy/lib/pgbouncer.sh writes its pgbouncer.ini), which every overlay must match. */
    static Map<String, String> local() throws IOException {
        Map<String, String> found = new LinkedHashMap<>();
        for (String line : Files.readString(REPO.resolve("deploy/lib/pgbouncer.sh"), StandardCharsets.UTF_8).lines()
                .toList()) {
            String l = line.trim();
            for (String key : MAXIMUM.keySet()) {
                if (l.matches(key + "\\s*=.*")) {
                    found.put(key, l.substring(l.indexOf('=') + 1).trim());
                }
            }
        }
        return found;
    }

    @Test
    void theLocalStackFailsFast() throws IOException {
        Map<String, String> local = local();
        assertEquals(MAXIMUM.keySet(), local.keySet(), "deploy/lib/pgbouncer.sh sets every fail-fast setting");
        assertEquals(List.of(), outOfBounds("deploy/lib/pgbouncer.sh", local));
    }

    @Test
    void aSettingAboveItsMaximumFails() {
        assertMentions(outOfBounds("x", Map.of("query_wait_timeout", "120", "server_connect_timeout", "5",
                "server_login_retry", "1")), "query_wait_timeout");
        assertMentions(outOfBounds("x", Map.of("query_wait_timeout", "0", "server_connect_timeout", "5",
                "server_login_retry", "1")), "query_wait_timeout");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#overlays")
    void everyPgBouncerFailsFastLikeTheLocalOne(String dir) throws IOException {
        List<Map<String, Object>> docs = render(dir);
        Map<String, Map<String, String>> bouncers = bouncers(docs);
        assertFalse(bouncers.isEmpty(), dir + " runs a PgBouncer");
        assertEquals(List.of(), problems(bouncers, local()), dir);
    }

    @Test
    void aPoolerWithoutTheSettingsFails() throws IOException {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(map(map(named(docs, "Pooler", "orders-write-pooler-rw"), "spec"), "pgbouncer"), "parameters")
                .remove("server_login_retry");
        assertMentions(problems(bouncers(docs), local()), "orders-write-pooler-rw", "server_login_retry");
    }

    @Test
    void aDevPgBouncerWithTheDefaultWaitFails() throws IOException {
        List<Map<String, Object>> docs = render("k8s/overlays/dev");
        boolean changed = false;
        for (Map<String, Object> cm : ofKind(docs, "ConfigMap")) {
            Map<String, Object> data = map(cm, "data");
            Object ini = data.get("pgbouncer.ini");
            if (ini != null && String.valueOf(ini).contains("query_wait_timeout")) {
                data.put("pgbouncer.ini", String.valueOf(ini).replaceFirst("query_wait_timeout = \\S+",
                        "query_wait_timeout = 120"));
                changed = true;
                break;
            }
        }
        assertTrue(changed, "a dev PgBouncer's ini was changed");
        assertMentions(problems(bouncers(docs), local()), "query_wait_timeout");
    }

    /** The fail-fast settings of every PgBouncer in the rendered objects, by the object that runs it. */
    static Map<String, Map<String, String>> bouncers(List<Map<String, Object>> docs) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Map<String, Object> pooler : ofKind(docs, "Pooler")) {
            Map<String, String> settings = new LinkedHashMap<>();
            map(map(map(pooler, "spec"), "pgbouncer"), "parameters").forEach((k, v) -> settings.put(k, String.valueOf(v)));
            out.put(describe(pooler), settings);
        }
        for (Map.Entry<Map<String, Object>, Map<String, Object>> w : workloads(docs)) {
            String ini = mountedConfigFiles(docs, w.getKey()).get("pgbouncer.ini");
            if (ini != null) {
                out.put(describe(w.getKey()),
                        new LinkedHashMap<>(ConnectionBudget.ini(ini).getOrDefault("pgbouncer", Map.of())));
            }
        }
        return out;
    }

    static List<String> problems(Map<String, Map<String, String>> bouncers, Map<String, String> local) {
        List<String> problems = new ArrayList<>();
        bouncers.forEach((who, settings) -> {
            for (String key : MAXIMUM.keySet()) {
                if (!local.get(key).equals(settings.get(key))) {
                    problems.add(who + ": " + key + " is " + settings.get(key) + ", the local stack's is "
                            + local.get(key));
                }
            }
            problems.addAll(outOfBounds(who, settings));
        });
        return problems;
    }

    static List<String> outOfBounds(String who, Map<String, String> settings) {
        List<String> problems = new ArrayList<>();
        MAXIMUM.forEach((key, max) -> {
            String value = settings.get(key);
            double seconds = value == null ? Double.NaN : Double.parseDouble(value);
            // 0 disables query_wait_timeout (and makes the others meaningless): a client would wait for ever
            if (!(seconds > 0 && seconds <= max)) {
                problems.add(who + ": " + key + " = " + value + ", must be in (0, " + max + "] seconds");
            }
        });
        return problems;
    }

    static void assertMentions(List<String> problems, String... words) {
        assertTrue(problems.stream().anyMatch(p -> List.of(words).stream().allMatch(p::contains)),
                "a problem mentions " + List.of(words) + ": " + problems);
    }
}
