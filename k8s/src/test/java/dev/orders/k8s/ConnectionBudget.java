package dev.orders.k8s;

import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.find;
import static dev.orders.k8s.Manifests.integer;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.mainContainer;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.mountedConfigFiles;
import static dev.orders.k8s.Manifests.name;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.podSpec;
import static dev.orders.k8s.Manifests.workloadBehindService;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.orders.k8s.Manifests.PgUrl;

/**
 * The connection budget of one rendered overlay, computed from the rendered objects themselves:
 * <ul>
 * <li>clients: each service's HPA maxReplicas × its reactive pool size (per datasource) × 1.2;</li>
 * <li>PgBouncer: in dev the pgbouncer.ini a PgBouncer pod mounts, in prod the CloudNativePG {@code Pooler}'s
 * parameters and instances; which Postgres each pooled database reaches;</li>
 * <li>Postgres: in dev max_connections of the postgresql.conf the Postgres pod mounts, in prod the
 * {@code Cluster}'s postgresql.parameters.max_connections.</li>
 * </ul>
 * Rules: (1) the clients of a PgBouncer fit its max_client_conn (per instance: a Service may send them all to one);
 * (2) per Postgres server, what PgBouncer opens after multiplexing, min(client demand, its pool limits), plus the
 * connections that bypass PgBouncer (any datasource pointed straight at Postgres) stays within 70% of
 * max_connections. The other 30% is for Flyway (init containers, 2 each), replication, the operator and admins.
 */
final class ConnectionBudget {
    static final double HEADROOM = 1.2;
    static final double SERVER_SHARE = 0.7;

    /** A PgBouncer deployment or Pooler: its limits and where each of its databases goes. */
    record Bouncer(String name, int instances, int defaultPoolSize, int reservePoolSize, int maxDbConnections,
            int maxClientConn, Map<String, String> databaseToServer, String wildcardServer) {
        String serverFor(String database) {
            String s = databaseToServer.getOrDefault(database, wildcardServer);
            if (s == null) {
                throw new AssertionError(name + " has no database " + database);
            }
            return s;
        }
    }

    /** A Postgres server (dev: a Service in front of one Postgres pod; prod: a Cluster's primary or replicas). */
    record Server(String name, int maxConnections) {
    }

    record Client(String service, String datasource, int maxReplicas, int poolSize, PgUrl url) {
        double demand() {
            return maxReplicas * poolSize * HEADROOM;
        }
    }

    final List<String> problems = new ArrayList<>();
    final List<String> report = new ArrayList<>();

    private final List<Map<String, Object>> docs;

    ConnectionBudget(List<Map<String, Object>> docs) {
        this.docs = docs;
        check();
    }

    private void check() {
        Map<String, Map<String, Map<String, Double>>> pooled = new TreeMap<>(); // bouncer → db → service → demand
        Map<String, Bouncer> bouncers = new TreeMap<>();
        Map<String, Double> direct = new TreeMap<>(); // server → connections that bypass PgBouncer
        Map<String, Server> servers = new TreeMap<>();

        for (Map<String, Object> deployment : ofKind(docs, "Deployment")) {
            String service = name(deployment);
            if (!Manifests.SERVICES.contains(service)) {
                continue;
            }
            int maxReplicas = find(docs, "HorizontalPodAutoscaler", service)
                    .map(h -> integer(map(h, "spec").get("maxReplicas"), 1))
                    .orElse(integer(map(deployment, "spec").get("replicas"), 1));
            Map<String, String> env = environment(docs, mainContainer(deployment));
            for (Map.Entry<String, String> e : env.entrySet()) {
                if (!e.getKey().endsWith("REACTIVE_URL")) {
                    continue;
                }
                String prefix = e.getKey().substring(0, e.getKey().length() - "URL".length());
                String size = env.get(prefix + "MAX_SIZE");
                if (size == null) {
                    problems.add(service + ": " + e.getKey() + " without " + prefix + "MAX_SIZE in its config");
                    continue;
                }
                Client c = new Client(service, e.getKey(), maxReplicas, Integer.parseInt(size.trim()),
                        PgUrl.parse(e.getValue()));
                Optional<Bouncer> b = bouncer(c.url().host());
                if (b.isPresent()) {
                    bouncers.put(b.get().name(), b.get());
                    pooled.computeIfAbsent(b.get().name(), k -> new TreeMap<>())
                            .computeIfAbsent(c.url().database(), k -> new TreeMap<>())
                            .merge(service + " " + e.getKey(), c.demand(), Double::sum);
                    report.add(String.format("%s %s → %s/%s: %d × %d × %.1f = %.1f", service, e.getKey(),
                            b.get().name(), c.url().database(), maxReplicas, c.poolSize(), HEADROOM, c.demand()));
                } else {
                    Server s = server(c.url().host());
                    servers.put(s.name(), s);
                    direct.merge(s.name(), c.demand(), Double::sum);
                    report.add(String.format("%s %s → %s directly (no PgBouncer): %.1f", service, e.getKey(),
                            s.name(), c.demand()));
                }
            }
        }

        Map<String, Double> serverLoad = new TreeMap<>(direct);
        for (Map.Entry<String, Map<String, Map<String, Double>>> byBouncer : pooled.entrySet()) {
            Bouncer b = bouncers.get(byBouncer.getKey());
            double clients = byBouncer.getValue().values().stream()
                    .flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue).sum();
            report.add(String.format("%s: clients %.1f, max_client_conn %d", b.name(), clients, b.maxClientConn()));
            if (clients > b.maxClientConn()) {
                problems.add(String.format("%s: client connections %.1f > max_client_conn %d (%s)", b.name(),
                        clients, b.maxClientConn(), byBouncer.getValue()));
            }
            for (Map.Entry<String, Map<String, Double>> byDb : byBouncer.getValue().entrySet()) {
                Server s = serverNamed(b.serverFor(byDb.getKey()));
                servers.put(s.name(), s);
                // one pool per (database, user); each service logs in as its own user on a database (conservative)
                double perPool = b.instances() * (double) (b.defaultPoolSize() + b.reservePoolSize());
                double opened = byDb.getValue().values().stream().mapToDouble(d -> Math.min(d, perPool)).sum();
                if (b.maxDbConnections() > 0) {
                    opened = Math.min(opened, b.instances() * (double) b.maxDbConnections());
                }
                serverLoad.merge(s.name(), opened, Double::sum);
                report.add(String.format("%s/%s → %s: %.1f server connections", b.name(), byDb.getKey(), s.name(),
                        opened));
            }
        }
        for (Map.Entry<String, Double> load : serverLoad.entrySet()) {
            Server s = servers.get(load.getKey());
            double limit = SERVER_SHARE * s.maxConnections();
            report.add(String.format("%s: %.1f connections, limit %.1f (0.7 × max_connections %d)", s.name(),
                    load.getValue(), limit, s.maxConnections()));
            if (load.getValue() > limit) {
                problems.add(String.format("%s: %.1f connections > 70%% of max_connections %d = %.1f", s.name(),
                        load.getValue(), s.maxConnections(), limit));
            }
        }
        if (pooled.isEmpty()) {
            problems.add("no service datasource goes through a PgBouncer found in the rendered objects");
        }
    }

    // --- topology: dev (plain PgBouncer and Postgres pods) or prod (CloudNativePG) ---------------------------------

    /** The PgBouncer reached at a host name, if it is one. */
    Optional<Bouncer> bouncer(String host) {
        Optional<Map<String, Object>> pooler = find(docs, "Pooler", host);
        if (pooler.isPresent()) {
            Map<String, Object> spec = map(pooler.get(), "spec");
            Map<String, Object> params = map(map(spec, "pgbouncer"), "parameters");
            String cluster = String.valueOf(map(spec, "cluster").get("name"));
            String type = String.valueOf(spec.getOrDefault("type", "rw"));
            return Optional.of(new Bouncer(host, integer(spec.get("instances"), 1),
                    required(params, "default_pool_size", host), integer(params.get("reserve_pool_size"), 0),
                    integer(params.get("max_db_connections"), 0), required(params, "max_client_conn", host),
                    Map.of(), clusterServer(cluster, "rw".equals(type) ? "rw" : "ro").name()));
        }
        return workloadBehindService(docs, host).flatMap(w -> {
            String ini = mountedConfigFiles(docs, w).get("pgbouncer.ini");
            if (ini == null) {
                return Optional.empty();
            }
            Map<String, Map<String, String>> sections = ini(ini);
            Map<String, String> pgb = sections.getOrDefault("pgbouncer", Map.of());
            Map<String, String> dbs = new LinkedHashMap<>();
            String wildcard = null;
            for (Map.Entry<String, String> db : sections.getOrDefault("databases", Map.of()).entrySet()) {
                String target = null;
                for (String part : db.getValue().split("\\s+")) {
                    if (part.startsWith("host=")) {
                        target = part.substring("host=".length());
                    }
                }
                String serverName = server(target).name();
                if ("*".equals(db.getKey())) {
                    wildcard = serverName;
                } else {
                    dbs.put(db.getKey(), serverName);
                }
            }
            return Optional.of(new Bouncer(host, integer(map(w, "spec").get("replicas"), 1),
                    required(pgb, "default_pool_size", host), integer(pgb.get("reserve_pool_size"), 0),
                    integer(pgb.get("max_db_connections"), 0), required(pgb, "max_client_conn", host), dbs,
                    wildcard));
        });
    }

    /** The Postgres server a host name reaches directly. */
    Server server(String host) {
        for (Map<String, Object> cluster : ofKind(docs, "Cluster")) {
            String c = name(cluster);
            for (String suffix : List.of("rw", "ro", "r")) {
                if (host.equals(c + "-" + suffix)) {
                    return clusterServer(c, suffix);
                }
            }
        }
        Map<String, Object> w = workloadBehindService(docs, host)
                .orElseThrow(() -> new AssertionError("no Service/workload or CloudNativePG Cluster for " + host));
        String conf = mountedConfigFiles(docs, w).get("postgresql.conf");
        if (conf == null) {
            throw new AssertionError(host + " is not a Postgres (its pod mounts no postgresql.conf)");
        }
        Integer max = null;
        for (String line : conf.lines().toList()) {
            String l = line.replaceFirst("#.*", "").trim();
            if (l.matches("max_connections\\s*=.*")) {
                max = Integer.parseInt(l.substring(l.indexOf('=') + 1).trim().replace("'", ""));
            }
        }
        for (Map<String, Object> c : list(podSpec(w), "containers")) {
            for (Object arg : c.get("args") instanceof List<?> l ? l : List.of()) {
                if (String.valueOf(arg).startsWith("max_connections=")) {
                    max = Integer.parseInt(String.valueOf(arg).substring("max_connections=".length()));
                }
            }
        }
        if (max == null) {
            throw new AssertionError(host + ": postgresql.conf sets no max_connections");
        }
        return new Server(host, max);
    }

    private Server serverNamed(String name) {
        int slash = name.indexOf('/');
        if (slash > 0) {
            return clusterServer(name.substring(0, slash), name.endsWith("/primary") ? "rw" : "ro");
        }
        return server(name);
    }

    /** A CloudNativePG Cluster's primary (rw) or, conservatively, one of its replicas (ro, r) taking everything. */
    private Server clusterServer(String cluster, String type) {
        Map<String, Object> c = find(docs, "Cluster", cluster)
                .orElseThrow(() -> new AssertionError("no CloudNativePG Cluster " + cluster));
        Object max = map(map(map(c, "spec"), "postgresql"), "parameters").get("max_connections");
        if (max == null) {
            throw new AssertionError("Cluster " + cluster + ": set postgresql.parameters.max_connections");
        }
        return new Server(cluster + ("rw".equals(type) ? "/primary" : "/replica"), integer(max, 0));
    }

    private static int required(Map<String, ?> params, String key, String where) {
        Object v = params.get(key);
        if (v == null) {
            throw new AssertionError(where + ": set " + key + " explicitly (the budget is checked against it)");
        }
        return integer(v, 0);
    }

    static Map<String, Map<String, String>> ini(String text) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String raw : text.lines().toList()) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1).trim(),
                        k -> new LinkedHashMap<>());
            } else if (current != null && line.contains("=")) {
                int eq = line.indexOf('=');
                current.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return sections;
    }
}
