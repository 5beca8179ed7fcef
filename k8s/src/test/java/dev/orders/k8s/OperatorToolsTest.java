package dev.orders.k8s;

import static dev.orders.k8s.Manifests.REPO;
import static dev.orders.k8s.Manifests.containers;
import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.name;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.podSpec;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator tools in the cluster (k8s/base/tools.yaml) run the same code as deploy/local's: the ConfigMap
 * orders-tools holds the files of k8s/base/tools as they are, the local wrappers run those files, and each CronJob
 * runs one of them. The consistency check is scheduled and its verdict fails its Job; the rebuild and the replay are
 * templates an operator starts. In prod every tool checks the Postgres servers' certificates against the CA of the
 * Cluster it reaches, and only the rebuild's kubectl-proxy container holds an API token, for the projector's scale
 * alone. Their hardening and egress are checked with every pod's (RenderedManifestsTest, NetworkPolicyEgressTest),
 * their Kafka clients with every client's (KafkaTest).
 */
class OperatorToolsTest {
    static final Path TOOLS = REPO.resolve("k8s/base/tools");
    static final String PROD = "k8s/overlays/prod";

    /** Each shared implementation and the local wrapper that runs it. */
    static final Map<String, String> LOCAL_WRAPPERS = Map.of(
            "check-consistency.sh", "deploy/local/check-consistency",
            "rebuild-read-model.sh", "deploy/local/rebuild-read-model",
            "ReplayDeadLetters.java", "deploy/local/replay-dead-letters");

    /** Each CronJob and the file of the ConfigMap its main container runs. */
    static final Map<String, String> CRONJOBS = Map.of(
            "orders-consistency-check", "check-consistency.sh",
            "orders-rebuild-read-model", "in-cluster.sh",
            "orders-replay-dead-letters", "ReplayDeadLetters.java",
            "orders-replay-dead-letters-dry-run", "ReplayDeadLetters.java");

    // --- the same code --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void theCronJobsRunTheFilesTheLocalToolsRun(String dir) throws IOException {
        List<String> problems = sameCodeProblems(render(dir));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /** Controls: a ConfigMap whose script is not the file, and a CronJob that runs something else, are caught. */
    @Test
    void aCopyThatDriftsOrAJobThatRunsSomethingElseIsCaught() throws IOException {
        List<Map<String, Object>> docs = render(PROD);
        map(toolsConfigMap(docs), "data").put("check-consistency.sh", "#!/usr/bin/env bash\necho CONSISTENT\n");
        Map<String, Object> replay = mainContainer(named(docs, "CronJob", "orders-replay-dead-letters"));
        List<Object> command = new ArrayList<>(list(replay, "command"));
        command.replaceAll(a -> String.valueOf(a).replace("ReplayDeadLetters.java", "Replay.java"));
        replay.put("command", command);
        List<String> problems = sameCodeProblems(docs);
        assertMentions(problems, "check-consistency.sh differs from k8s/base/tools/check-consistency.sh");
        assertMentions(problems, "CronJob/orders-replay-dead-letters/replay does not run /etc/orders-tools/ReplayDeadLetters.java");
    }

    /** Control: a local wrapper that runs a copy of its own instead of the shared file is caught. */
    @Test
    void aLocalWrapperThatRunsItsOwnCopyIsCaught() throws IOException {
        String wrapper = Files.readString(REPO.resolve("deploy/local/check-consistency"), StandardCharsets.UTF_8);
        assertTrue(wrapperProblems("check-consistency.sh", "deploy/local/check-consistency", wrapper).isEmpty());
        String copy = wrapper.replace("k8s/base/tools/check-consistency.sh", "deploy/local/consistency/check.sh");
        assertMentions(wrapperProblems("check-consistency.sh", "deploy/local/check-consistency", copy),
                "deploy/local/check-consistency does not run k8s/base/tools/check-consistency.sh");
    }

    static List<String> sameCodeProblems(List<Map<String, Object>> docs) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, Object> configMap = toolsConfigMap(docs);
        Map<String, Object> data = map(configMap, "data");
        List<String> files;
        try (Stream<Path> s = Files.list(TOOLS)) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(Set.copyOf(files), Set.of("check-consistency.sh", "rebuild-read-model.sh", "in-cluster.sh",
                "ReplayDeadLetters.java"), "k8s/base/tools holds the shared tools and the cluster's side");
        for (String file : files) {
            String content = Files.readString(TOOLS.resolve(file), StandardCharsets.UTF_8);
            if (!content.equals(data.get(file))) {
                problems.add("ConfigMap " + name(configMap) + ": " + file + " differs from k8s/base/tools/" + file);
            }
        }
        if (!Set.copyOf(files).equals(data.keySet())) {
            problems.add("ConfigMap " + name(configMap) + " holds " + data.keySet() + ", not the files " + files);
        }
        // each CronJob's main container runs its file from that ConfigMap, mounted at /etc/orders-tools
        for (Map.Entry<String, String> job : CRONJOBS.entrySet()) {
            Map<String, Object> cronJob = named(docs, "CronJob", job.getKey());
            Map<String, Object> c = mainContainer(cronJob);
            String where = describe(cronJob) + "/" + c.get("name");
            String path = "/etc/orders-tools/" + job.getValue();
            if (!list(c, "command").contains(path)) {
                problems.add(where + " does not run " + path + " (its command: " + c.get("command") + ")");
            }
            boolean mounted = list(c, "volumeMounts").stream().filter(m -> "/etc/orders-tools".equals(m.get("mountPath")))
                    .anyMatch(m -> list(podSpec(cronJob), "volumes").stream()
                            .anyMatch(v -> m.get("name").equals(v.get("name"))
                                    && name(configMap).equals(map(v, "configMap").get("name"))));
            if (!mounted) {
                problems.add(where + ": /etc/orders-tools is not the ConfigMap " + name(configMap));
            }
        }
        // the cluster's side hands the rebuild to the shared script, which ends with the shared check
        String inCluster = Files.readString(TOOLS.resolve("in-cluster.sh"), StandardCharsets.UTF_8);
        for (String shared : List.of("source \"$TOOLS_DIR/rebuild-read-model.sh\"", "\"$TOOLS_DIR/check-consistency.sh\"")) {
            if (!inCluster.contains(shared)) {
                problems.add("k8s/base/tools/in-cluster.sh does not run " + shared);
            }
        }
        for (Map.Entry<String, String> w : LOCAL_WRAPPERS.entrySet()) {
            problems.addAll(wrapperProblems(w.getKey(), w.getValue(),
                    Files.readString(REPO.resolve(w.getValue()), StandardCharsets.UTF_8)));
        }
        return problems;
    }

    /** The local wrapper runs (or sources) the shared file, and no copy of it lies under deploy/. */
    static List<String> wrapperProblems(String file, String wrapper, String text) throws IOException {
        List<String> problems = new ArrayList<>();
        // a command line (not a comment) that names the shared file in the repository
        boolean runs = text.lines().filter(l -> !l.strip().startsWith("#"))
                .anyMatch(l -> l.contains("$REPO/k8s/base/tools/" + file));
        if (!runs) {
            problems.add(wrapper + " does not run k8s/base/tools/" + file);
        }
        try (Stream<Path> s = Files.walk(REPO.resolve("deploy"))) {
            s.filter(p -> p.getFileName().toString().equals(file) && !p.toString().contains("/target/"))
                    .forEach(p -> problems.add(REPO.relativize(p) + " is a copy of k8s/base/tools/" + file));
        }
        return problems;
    }

    // --- the consistency check's verdict --------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void theConsistencyCheckRunsOnAScheduleAndADifferenceFailsItsJob(String dir) {
        List<String> problems = verdictProblems(render(dir));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /** Controls: a suspended check, a retried verdict and an alert that watches another CronJob are caught. */
    @Test
    void aSuspendedCheckARetriedVerdictOrABlindAlertIsCaught() {
        List<Map<String, Object>> docs = render(PROD);
        Map<String, Object> check = named(docs, "CronJob", "orders-consistency-check");
        map(check, "spec").put("suspend", true);
        map(map(map(check, "spec"), "jobTemplate"), "spec").remove("podFailurePolicy");
        Map<String, Object> rule = named(docs, "PrometheusRule", "orders");
        for (Map<String, Object> group : list(map(rule, "spec"), "groups")) {
            for (Map<String, Object> r : list(group, "rules")) {
                r.computeIfPresent("expr", (k, v) -> String.valueOf(v).replace("orders-consistency-check", "orders-check"));
            }
        }
        List<String> problems = verdictProblems(docs);
        assertMentions(problems, "CronJob/orders-consistency-check is suspended");
        assertMentions(problems, "exit code 1 of container check does not fail the Job at once");
        assertMentions(problems, "no alert reads the status of CronJob orders-consistency-check");
    }

    static List<String> verdictProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> cronJob = named(docs, "CronJob", "orders-consistency-check");
        String where = describe(cronJob);
        Map<String, Object> spec = map(cronJob, "spec");
        if (Boolean.TRUE.equals(spec.get("suspend"))) {
            problems.add(where + " is suspended");
        }
        if (String.valueOf(spec.getOrDefault("schedule", "")).isBlank()) {
            problems.add(where + " has no schedule");
        }
        if (!"Forbid".equals(spec.get("concurrencyPolicy"))) {
            problems.add(where + ": runs may overlap (concurrencyPolicy " + spec.get("concurrencyPolicy") + ")");
        }
        Map<String, Object> job = map(map(spec, "jobTemplate"), "spec");
        if (job.get("activeDeadlineSeconds") == null) {
            problems.add(where + ": no activeDeadlineSeconds (a hung run would hide the next verdicts)");
        }
        Map<String, Object> c = mainContainer(cronJob);
        boolean failsAtOnce = list(map(job, "podFailurePolicy"), "rules").stream()
                .anyMatch(r -> "FailJob".equals(r.get("action"))
                        && c.get("name").equals(map(r, "onExitCodes").get("containerName"))
                        && "In".equals(map(r, "onExitCodes").get("operator"))
                        && List.of(1).equals(map(r, "onExitCodes").get("values")));
        if (!failsAtOnce) {
            problems.add(where + ": exit code 1 of container " + c.get("name") + " does not fail the Job at once "
                    + "(podFailurePolicy FailJob): a difference is a verdict, not a failure to retry");
        }
        if (!"Never".equals(podSpec(cronJob).get("restartPolicy"))) {
            problems.add(where + ": restartPolicy " + podSpec(cronJob).get("restartPolicy") + " (podFailurePolicy needs Never)");
        }
        List<?> command = c.get("command") instanceof List<?> l ? l : List.of();
        int settle = command.indexOf("--settle");
        if (settle < 0 || settle + 1 >= command.size() || Integer.parseInt(String.valueOf(command.get(settle + 1))) <= 0) {
            problems.add(where + ": no --settle: on a live system every order on its way would count as a difference");
        }
        boolean alerted = ofKind(docs, "PrometheusRule").stream()
                .flatMap(r -> list(map(r, "spec"), "groups").stream()).flatMap(g -> list(g, "rules").stream())
                .filter(r -> r.containsKey("alert"))
                .map(r -> String.valueOf(r.get("expr")))
                .anyMatch(e -> e.contains("kube_cronjob_status_last_successful_time{cronjob=\"" + name(cronJob) + "\"}"));
        if (!alerted) {
            problems.add("no alert reads the status of CronJob " + name(cronJob));
        }
        return problems;
    }

    /** The rebuild and the replay are templates: never scheduled, started by hand, a failed rebuild not retried. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void theRebuildAndTheReplayAreTemplatesAnOperatorStarts(String dir) {
        List<Map<String, Object>> docs = render(dir);
        for (String template : List.of("orders-rebuild-read-model", "orders-replay-dead-letters",
                "orders-replay-dead-letters-dry-run")) {
            Map<String, Object> spec = map(named(docs, "CronJob", template), "spec");
            assertEquals(Boolean.TRUE, spec.get("suspend"), template + " is a suspended template");
            assertEquals("Forbid", spec.get("concurrencyPolicy"), template);
            assertTrue(map(map(spec, "jobTemplate"), "spec").get("ttlSecondsAfterFinished") != null,
                    template + ": a started Job is cleaned up in time");
        }
        assertEquals(0, map(map(map(named(docs, "CronJob", "orders-rebuild-read-model"), "spec"), "jobTemplate"), "spec")
                .get("backoffLimit"), "a failed rebuild is not retried");
        assertTrue(list(mainContainer(named(docs, "CronJob", "orders-replay-dead-letters-dry-run")), "command")
                .contains("--dry-run"), "the dry run passes --dry-run");
        assertTrue(!list(mainContainer(named(docs, "CronJob", "orders-replay-dead-letters")), "command")
                .contains("--dry-run"), "the replay replays");
    }

    // --- Postgres: verify-full against the right CA -------------------------------------------------------------

    /**
     * In prod every Postgres URL a tool uses is verify-full, and the CA file it checks the server against (the
     * ORDERS_{WRITE,READ}_DB_SSLROOTCERT that check-consistency.sh puts in the URL's place, else the URL's
     * sslrootcert, or the rebuild projector's trust file) is ca.crt alone of the Secret {@code <cluster>-ca} of the
     * Cluster the URL's host belongs to, mounted in that container. The services' URLs name one path for either
     * Cluster, so a tool that reaches both must move one of them.
     */
    @Test
    void prodToolsCheckEachPostgresAgainstItsClustersCa() {
        List<String> report = new ArrayList<>();
        List<String> problems = caProblems(render(PROD), report);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(5, report.size(), "the check's two sides, the rebuild's two and its projector's pool: " + report);
    }

    /** Controls: without the write side's own CA file, or with the Clusters' CA Secrets swapped, it fails. */
    @Test
    void aToolTrustingAnotherClustersCaIsCaught() {
        List<Map<String, Object>> docs = render(PROD);
        Map<String, Object> check = mainContainer(named(docs, "CronJob", "orders-consistency-check"));
        list(check, "env").removeIf(e -> "ORDERS_WRITE_DB_SSLROOTCERT".equals(e.get("name")));
        assertMentions(caProblems(docs, new ArrayList<>()), "CronJob/orders-consistency-check/check ORDERS_WRITE_DB_URL "
                + "→ orders-write-rw: /etc/orders/postgres-ca/ca.crt comes from Secret orders-read-ca, not orders-write-ca");

        docs = render(PROD);
        for (Map<String, Object> v : list(podSpec(named(docs, "CronJob", "orders-rebuild-read-model")), "volumes")) {
            Map<String, Object> secret = map(v, "secret");
            secret.computeIfPresent("secretName", (k, s) -> "orders-read-ca".equals(s) ? "orders-write-ca"
                    : "orders-write-ca".equals(s) ? "orders-read-ca" : s);
        }
        assertMentions(caProblems(docs, new ArrayList<>()), "CronJob/orders-rebuild-read-model/rebuild ORDERS_READ_DB_URL "
                + "→ orders-read-rw: /etc/orders/postgres-ca/ca.crt comes from Secret orders-write-ca, not orders-read-ca");
    }

    static List<String> caProblems(List<Map<String, Object>> docs, List<String> report) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> tool : NetworkPolicyEgressTest.toolPods(docs)) {
            Map<String, Object> pod = podSpec(tool);
            for (Map<String, Object> c : containers(pod)) {
                Map<String, String> env = environment(docs, c);
                for (Map.Entry<String, String> e : env.entrySet()) {
                    String value = e.getValue();
                    if (value == null || !value.matches("(jdbc:)?postgres(ql)?://.*")) {
                        continue;
                    }
                    String host = Manifests.PgUrl.parse(value).host();
                    Optional<String> cluster = PostgresDurabilityTest.clusterOf(docs, host);
                    if (cluster.isEmpty()) {
                        continue; // not a CloudNativePG Postgres (dev)
                    }
                    String where = describe(tool) + "/" + c.get("name") + " " + e.getKey() + " → " + host;
                    Map<String, String> query = PostgresTlsTest.query(value);
                    String caFile;
                    if (e.getKey().matches("ORDERS_(WRITE|READ|REPLICA)_DB_URL")) {
                        String side = e.getKey().startsWith("ORDERS_WRITE") ? "WRITE" : "READ";
                        caFile = Optional.ofNullable(env.get("ORDERS_" + side + "_DB_SSLROOTCERT")).orElse(query.get("sslrootcert"));
                    } else if (e.getKey().equals("QUARKUS_DATASOURCE_REACTIVE_URL")) {
                        caFile = env.get("QUARKUS_DATASOURCE_REACTIVE_TRUST_CERTIFICATE_PEM_CERTS");
                    } else {
                        continue; // Flyway's URL of the projector's ConfigMap: the rebuild's projector does not migrate
                    }
                    if (!"verify-full".equals(query.get("sslmode"))) {
                        problems.add(where + ": sslmode " + query.get("sslmode") + ", not verify-full");
                    }
                    int before = problems.size();
                    problems.addAll(mountProblems(pod, c, caFile, cluster.get() + "-ca", where));
                    if (problems.size() == before) {
                        report.add(where + ": " + caFile + " from " + cluster.get() + "-ca");
                    }
                }
            }
        }
        return problems;
    }

    /** Whether {@code file} is ca.crt alone of Secret {@code secret}, mounted in the container. */
    static List<String> mountProblems(Map<String, Object> pod, Map<String, Object> c, String file, String secret,
            String where) {
        if (file == null) {
            return List.of(where + ": no CA file (sslrootcert) to check the server's certificate against");
        }
        for (Map<String, Object> mount : list(c, "volumeMounts")) {
            String dir = String.valueOf(mount.get("mountPath")).replaceFirst("/$", "");
            if (!file.startsWith(dir + "/")) {
                continue;
            }
            String path = file.substring(dir.length() + 1);
            Map<String, Object> source = list(pod, "volumes").stream()
                    .filter(v -> String.valueOf(mount.get("name")).equals(v.get("name"))).findFirst()
                    .map(v -> map(v, "secret")).orElse(Map.of());
            if (!secret.equals(source.get("secretName"))) {
                return List.of(where + ": " + file + " comes from Secret " + source.get("secretName") + ", not " + secret);
            }
            List<Map<String, Object>> items = list(source, "items");
            if (items.size() != 1 || !"ca.crt".equals(items.get(0).get("key")) || !path.equals(items.get(0).get("path"))) {
                return List.of(where + ": " + file + " is not ca.crt alone of Secret " + secret + " (" + items + ")");
            }
            return List.of();
        }
        return List.of(where + ": " + file + " is not mounted");
    }

    // --- the API: the projector's scale, for one container ------------------------------------------------------

    /**
     * No pod mounts a service-account token except through a projected volume, and only the rebuild's kubectl-proxy
     * container mounts one: it serves the pod's loopback only, forwards the projector Deployment, its scale and KEDA's
     * ScaledObject projector only, as a ServiceAccount whose one Role allows get on that Deployment and get/patch on
     * its scale and on that ScaledObject (the optional component keda-projector scales the projector), nothing else.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void onlyTheRebuildsProxyHoldsAnApiTokenForTheProjectorsScale(String dir) {
        List<String> problems = apiProblems(render(dir));
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
    }

    /** Controls: a wider Role, a token in the rebuild's own container and an open proxy are caught. */
    @Test
    void aWiderRoleATokenElsewhereOrAnOpenProxyIsCaught() {
        assertCaught(docs -> list(named(docs, "Role", "orders-rebuild-read-model"), "rules").add(new HashMap<>(Map.of("apiGroups", List.of(""), "resources", List.of("pods"), "verbs", List.of("list")))),
                "Role/orders-rebuild-read-model allows [list] on [pods]");
        assertCaught(docs -> list(named(docs, "Role", "orders-rebuild-read-model"), "rules").get(1)
                .put("verbs", List.of("get", "patch", "update", "delete")), "allows [get, patch, update, delete] on [deployments/scale]");
        assertCaught(docs -> list(named(docs, "Role", "orders-rebuild-read-model"), "rules").get(0).remove("resourceNames"),
                "allows [get] on [deployments] of any name");
        assertCaught(docs -> {
            Map<String, Object> rebuild = mainContainer(named(docs, "CronJob", "orders-rebuild-read-model"));
            List<Map<String, Object>> mounts = new ArrayList<>(list(rebuild, "volumeMounts"));
            mounts.add(Map.of("name", "kube-api-access", "mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"));
            rebuild.put("volumeMounts", mounts);
        }, "CronJob/orders-rebuild-read-model/rebuild mounts a service-account token");
        assertCaught(docs -> {
            Map<String, Object> proxy = list(podSpec(named(docs, "CronJob", "orders-rebuild-read-model")), "initContainers")
                    .stream().filter(c -> "kubectl-proxy".equals(c.get("name"))).findFirst().orElseThrow();
            List<Object> args = new ArrayList<>(list(proxy, "args"));
            args.replaceAll(a -> String.valueOf(a).startsWith("--address") ? "--address=0.0.0.0"
                    : String.valueOf(a).startsWith("--accept-paths") ? "--accept-paths=^.*" : a);
            proxy.put("args", args);
        }, "kubectl-proxy: args");
    }

    private static void assertCaught(Consumer<List<Map<String, Object>>> breach, String mention) {
        List<Map<String, Object>> docs = render(PROD);
        assertEquals(List.of(), apiProblems(docs), "prod as rendered");
        breach.accept(docs);
        assertMentions(apiProblems(docs), mention);
    }

    /** What the rebuild may do, by API group and resource: read the projector, scale it, pause KEDA's scaling of it. */
    static final Map<String, Set<String>> ALLOWED_VERBS = Map.of("apps/deployments", Set.of("get"),
            "apps/deployments/scale", Set.of("get", "patch"), "keda.sh/scaledobjects", Set.of("get", "patch"));
    static final List<String> PROXY_ARGS = List.of("proxy", "--address=127.0.0.1", "--port=8001",
            "--accept-hosts=^(localhost|127\\.0\\.0\\.1)$",
            "--accept-paths=^/apis/(apps/v1/namespaces/[^/]+/deployments/projector(/scale)?"
                    + "|keda\\.sh/v1alpha1/namespaces/[^/]+/scaledobjects/projector)$");

    static List<String> apiProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Map<String, Object>, Map<String, Object>> w : Manifests.workloads(docs)) {
            Map<String, Object> pod = w.getValue();
            List<String> tokenVolumes = list(pod, "volumes").stream()
                    .filter(v -> list(map(v, "projected"), "sources").stream().anyMatch(s -> s.containsKey("serviceAccountToken")))
                    .map(v -> String.valueOf(v.get("name"))).toList();
            for (Map<String, Object> c : containers(pod)) {
                boolean mounts = list(c, "volumeMounts").stream().anyMatch(m -> tokenVolumes.contains(m.get("name"))
                        || String.valueOf(m.get("mountPath")).startsWith("/var/run/secrets/kubernetes.io"));
                boolean proxy = "CronJob".equals(w.getKey().get("kind")) && "orders-rebuild-read-model".equals(name(w.getKey()))
                        && "kubectl-proxy".equals(c.get("name"));
                if (mounts && !proxy) {
                    problems.add(describe(w.getKey()) + "/" + c.get("name") + " mounts a service-account token");
                }
                if (proxy && !PROXY_ARGS.equals(list(c, "args"))) {
                    problems.add("kubectl-proxy: args " + c.get("args") + ", not " + PROXY_ARGS
                            + " (the pod's loopback only, the projector's Deployment and scale only)");
                }
            }
        }
        Map<String, Object> rebuild = podSpec(named(docs, "CronJob", "orders-rebuild-read-model"));
        String account = String.valueOf(rebuild.get("serviceAccountName"));
        if (!"orders-rebuild-read-model".equals(account)) {
            problems.add("the rebuild runs as ServiceAccount " + account);
        }
        if (!ofKind(docs, "ClusterRole").isEmpty() || !ofKind(docs, "ClusterRoleBinding").isEmpty()) {
            problems.add("a ClusterRole or ClusterRoleBinding is rendered");
        }
        for (Map<String, Object> binding : ofKind(docs, "RoleBinding")) {
            List<Map<String, Object>> subjects = list(binding, "subjects");
            boolean toolOnly = subjects.size() == 1 && "ServiceAccount".equals(subjects.get(0).get("kind"))
                    && account.equals(subjects.get(0).get("name"));
            if (!toolOnly || !"Role".equals(map(binding, "roleRef").get("kind"))) {
                problems.add(describe(binding) + " binds " + map(binding, "roleRef") + " to " + subjects);
                continue;
            }
            String role = String.valueOf(map(binding, "roleRef").get("name"));
            for (Map<String, Object> rule : list(named(docs, "Role", role), "rules")) {
                List<?> resources = (List<?>) rule.getOrDefault("resources", List.of());
                List<?> verbs = (List<?>) rule.getOrDefault("verbs", List.of());
                String what = "Role/" + role + " allows " + verbs + " on " + resources;
                if (!List.of("projector").equals(rule.get("resourceNames"))) {
                    problems.add(what + " of any name (resourceNames " + rule.get("resourceNames") + ")");
                }
                List<?> groups = (List<?>) rule.getOrDefault("apiGroups", List.of());
                for (Object g : groups) {
                    for (Object r : resources) {
                        Set<String> allowed = ALLOWED_VERBS.getOrDefault(g + "/" + r, Set.of());
                        if (!verbs.stream().map(String::valueOf).allMatch(allowed::contains)) {
                            problems.add(what + " in API group \"" + g + "\"");
                        }
                    }
                }
            }
        }
        return problems;
    }

    // --- the rebuild's projector -------------------------------------------------------------------------------

    /**
     * The settings rebuild-read-model.sh gives its second projector (the {@code env NAME=value ... java -jar} line)
     * are settings the projector reads (its application.properties or a Quarkus extension's run-time configuration).
     */
    @Test
    void theRebuildsProjectorIsGivenSettingsTheProjectorReads() throws IOException {
        List<String> keys = rebuildInstanceKeys(Files.readString(TOOLS.resolve("rebuild-read-model.sh"), StandardCharsets.UTF_8));
        assertTrue(keys.containsAll(List.of("ORDERS_PROJECTOR_TARGET_SUFFIX", "ORDERS_PROJECTOR_GROUP_ID",
                "ORDERS_INVALIDATIONS_ENABLED", "QUARKUS_FLYWAY_MIGRATE_AT_START")), keys.toString());
        Set<String> mapped = projectorConfigMappings();
        for (String key : keys) {
            assertTrue(ConfigKeys.problem("projector", key) == null || mapped.contains(key),
                    key + ": " + ConfigKeys.problem("projector", key) + "; nor a property of " + mapped);
        }
        // control: a misspelled one is neither
        String typo = "env ORDERS_PROJECTOR_TARGET_SUFIX=_next QUARKUS_HTTP_PORT=1 \\\n  \"$JAVA_HOME/bin/java\" -jar x";
        List<String> typoKeys = rebuildInstanceKeys(typo);
        assertEquals(List.of("ORDERS_PROJECTOR_TARGET_SUFIX", "QUARKUS_HTTP_PORT"), typoKeys);
        assertTrue(ConfigKeys.problem("projector", typoKeys.get(0)) != null && !mapped.contains(typoKeys.get(0)),
                "a misspelled setting is caught");
    }

    /**
     * The environment names of the projector's own {@code @ConfigMapping} interfaces (prefix + each method, in
     * kebab case), e.g. ORDERS_PROJECTOR_TARGET_SUFFIX for ProjectorConfig#targetSuffix().
     */
    static Set<String> projectorConfigMappings() throws IOException {
        Set<String> keys = new java.util.TreeSet<>();
        try (Stream<Path> s = Files.walk(REPO.resolve("projector/src/main/java"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(p, StandardCharsets.UTF_8);
                Matcher prefix = Pattern.compile("@ConfigMapping\\(prefix = \"([a-z.-]+)\"\\)").matcher(source);
                if (!prefix.find()) {
                    continue;
                }
                Matcher method = Pattern.compile("\\n\\s+[A-Za-z<>.]+ ([a-z][A-Za-z0-9]*)\\(\\);").matcher(source);
                while (method.find()) {
                    String kebab = method.group(1).replaceAll("([A-Z])", "-$1").toLowerCase();
                    keys.add(ConfigKeys.env(prefix.group(1) + "." + kebab));
                }
            }
        }
        assertTrue(keys.contains("ORDERS_PROJECTOR_TARGET_SUFFIX"), keys.toString());
        return keys;
    }

    /** The variable names of the {@code env A=.. B=.. "$JAVA_HOME/bin/java"} command in the script. */
    static List<String> rebuildInstanceKeys(String script) {
        Matcher line = Pattern.compile(
                "\\benv ((?:[A-Z0-9_]+=(?:\"[^\"]*\"|\\S+)\\s+(?:\\\\\\s+)?)+)\"\\$JAVA_HOME/bin/java\"").matcher(script);
        assertTrue(line.find(), "the script starts the projector with env ... \"$JAVA_HOME/bin/java\"");
        List<String> keys = new ArrayList<>();
        Matcher key = Pattern.compile("([A-Z0-9_]+)=").matcher(line.group(1));
        while (key.find()) {
            keys.add(key.group(1));
        }
        return keys;
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    static Map<String, Object> toolsConfigMap(List<Map<String, Object>> docs) {
        return ofKind(docs, "ConfigMap").stream().filter(c -> name(c).matches("orders-tools(-[a-z0-9]{10})?")).findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap orders-tools"));
    }

    /** A tool CronJob's one container (its init containers copy tools or proxy the API). */
    static Map<String, Object> mainContainer(Map<String, Object> cronJob) {
        List<Map<String, Object>> cs = list(podSpec(cronJob), "containers");
        assertEquals(1, cs.size(), describe(cronJob) + ": one container");
        return cs.get(0);
    }

    static void assertMentions(List<String> problems, String mention) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(mention)),
                "expected a problem mentioning \"" + mention + "\", got:\n" + String.join("\n", problems));
    }
}
