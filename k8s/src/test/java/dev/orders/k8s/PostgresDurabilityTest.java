package dev.orders.k8s;

import static dev.orders.k8s.Manifests.describe;
import static dev.orders.k8s.Manifests.environment;
import static dev.orders.k8s.Manifests.find;
import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.name;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.ofKind;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What keeps the write model's data when things fail, in every overlay that runs CloudNativePG:
 * <ul>
 * <li>the Cluster the write API writes to (found from command-service's Postgres URLs) replicates synchronously to a
 * quorum of standbys, with {@code dataDurability: required}, and has a standby more than the quorum needs, so one
 * failure neither loses an acknowledged commit nor stops writes;</li>
 * <li>every Cluster is backed up, unless it holds only derived data (annotation {@value #DERIVED}, never on the write
 * cluster): WAL archiving through the Barman Cloud plugin into a rendered ObjectStore with a retention policy, an
 * {@code archive_timeout} of at most 5 minutes (the RPO of losing the whole cluster), and a ScheduledBackup of it
 * through the plugin;</li>
 * <li>the restore overlay (k8s/overlays/prod-restore) differs from prod only in the write Cluster, which it bootstraps
 * from the archive the backups write to and which then archives into a folder of its own.</li>
 * </ul>
 */
class PostgresDurabilityTest {
    static final String BARMAN = "barman-cloud.cloudnative-pg.io";
    static final String DERIVED = "orders-cqrs.dev/derived-from";
    static final String RESTORE = "k8s/overlays/prod-restore";

    /** Overlays that run CloudNativePG Clusters. */
    static Stream<String> cnpgOverlays() throws IOException {
        return Manifests.overlays().filter(dir -> !ofKind(render(dir), "Cluster").isEmpty());
    }

    // --- synchronous replication ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("cnpgOverlays")
    void theWriteClusterReplicatesSynchronously(String dir) {
        List<Map<String, Object>> docs = render(dir);
        assertFalse(writeClusters(docs).isEmpty(), dir + ": command-service connects to a CloudNativePG Cluster");
        assertEquals(List.of(), synchronousProblems(docs), dir);
    }

    @Test
    void asynchronousReplicationOfTheWriteClusterFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(map(named(docs, "Cluster", "orders-write"), "spec"), "postgresql").remove("synchronous");
        assertMentions(synchronousProblems(docs), "orders-write", "asynchronous");
    }

    @Test
    void preferredDurabilityFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        synchronous(docs).put("dataDurability", "preferred");
        assertMentions(synchronousProblems(docs), "dataDurability");
    }

    @Test
    void aQuorumThatOneFailureBreaksFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        synchronous(docs).put("number", 2);
        assertMentions(synchronousProblems(docs), "standbys");
        List<Map<String, Object>> two = render("k8s/overlays/prod");
        map(named(two, "Cluster", "orders-write"), "spec").put("instances", 2);
        assertMentions(synchronousProblems(two), "standbys");
    }

    static List<String> synchronousProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        for (String cluster : writeClusters(docs)) {
            Map<String, Object> spec = map(named(docs, "Cluster", cluster), "spec");
            Map<String, Object> postgresql = map(spec, "postgresql");
            Map<String, Object> sync = map(postgresql, "synchronous");
            String where = "Cluster/" + cluster + " (the write model)";
            if (sync.isEmpty()) {
                problems.add(where + ": replicates asynchronously (no spec.postgresql.synchronous): a failover can "
                        + "lose commits already acknowledged");
                continue;
            }
            if (!List.of("any", "first").contains(String.valueOf(sync.get("method")))) {
                problems.add(where + ": synchronous.method " + sync.get("method") + " (any or first)");
            }
            int number = Manifests.integer(sync.get("number"), 0);
            if (number < 1) {
                problems.add(where + ": synchronous.number " + number + " (at least one standby)");
            }
            Object durability = sync.getOrDefault("dataDurability", "required"); // CloudNativePG's default
            if (!"required".equals(durability)) {
                problems.add(where + ": dataDurability " + durability + " lets commits through unreplicated when "
                        + "standbys are missing (required)");
            }
            int standbys = Manifests.integer(spec.get("instances"), 1) - 1;
            if (standbys <= number) {
                problems.add(where + ": " + standbys + " standbys for a quorum of " + number + ": losing one stops "
                        + "every write (dataDurability required)");
            }
            if (postgresql.containsKey("minSyncReplicas") || postgresql.containsKey("maxSyncReplicas")
                    || spec.containsKey("minSyncReplicas") || spec.containsKey("maxSyncReplicas")) {
                problems.add(where + ": the deprecated min/maxSyncReplicas (self-healing: drops to asynchronous)");
            }
        }
        return problems;
    }

    private static Map<String, Object> synchronous(List<Map<String, Object>> docs) {
        return map(map(map(named(docs, "Cluster", "orders-write"), "spec"), "postgresql"), "synchronous");
    }

    // --- backups ---------------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("cnpgOverlays")
    void everyClusterButDerivedOnesIsBackedUp(String dir) {
        List<Map<String, Object>> docs = render(dir);
        assertEquals(List.of(), backupProblems(docs), dir);
        System.out.println(dir + ": backed up " + ofKind(docs, "Cluster").stream()
                .filter(c -> !map(map(c, "metadata"), "annotations").containsKey(DERIVED)).map(Manifests::name).toList());
    }

    @Test
    void aClusterWithoutWalArchivingFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(named(docs, "Cluster", "orders-write"), "spec").remove("plugins");
        assertMentions(backupProblems(docs), "orders-write", "WAL");
        List<Map<String, Object>> off = render("k8s/overlays/prod");
        barmanPlugin(named(off, "Cluster", "orders-write")).put("isWALArchiver", false);
        assertMentions(backupProblems(off), "orders-write", "WAL");
    }

    @Test
    void aMissingOrSuspendedScheduledBackupFails() {
        List<Map<String, Object>> docs = new ArrayList<>(render("k8s/overlays/prod"));
        docs.removeIf(d -> "ScheduledBackup".equals(d.get("kind")));
        assertMentions(backupProblems(docs), "orders-write", "ScheduledBackup");
        List<Map<String, Object>> suspended = render("k8s/overlays/prod");
        map(named(suspended, "ScheduledBackup", "orders-write-daily"), "spec").put("suspend", true);
        assertMentions(backupProblems(suspended), "orders-write", "ScheduledBackup");
        List<Map<String, Object>> other = render("k8s/overlays/prod");
        map(map(named(other, "ScheduledBackup", "orders-write-daily"), "spec"), "cluster").put("name", "orders-read");
        assertMentions(backupProblems(other), "orders-write", "ScheduledBackup");
    }

    @Test
    void anObjectStoreWithoutRetentionOrAnUnknownOneFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(named(docs, "ObjectStore", "orders-write-backup"), "spec").remove("retentionPolicy");
        assertMentions(backupProblems(docs), "retentionPolicy");
        List<Map<String, Object>> unknown = render("k8s/overlays/prod");
        map(barmanPlugin(named(unknown, "Cluster", "orders-write")), "parameters").put("barmanObjectName", "elsewhere");
        assertMentions(backupProblems(unknown), "ObjectStore elsewhere");
    }

    @Test
    void aLongOrMissingArchiveTimeoutFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        map(map(map(named(docs, "Cluster", "orders-write"), "spec"), "postgresql"), "parameters")
                .put("archive_timeout", "1h");
        assertMentions(backupProblems(docs), "archive_timeout");
        List<Map<String, Object>> none = render("k8s/overlays/prod");
        map(map(map(named(none, "Cluster", "orders-write"), "spec"), "postgresql"), "parameters")
                .remove("archive_timeout");
        assertMentions(backupProblems(none), "archive_timeout");
    }

    @Test
    void declaringTheWriteClusterDerivedFails() {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        Map<String, Object> metadata = map(named(docs, "Cluster", "orders-write"), "metadata");
        metadata.put("annotations", new java.util.HashMap<>(Map.of(DERIVED, "orders.events.v1")));
        assertMentions(backupProblems(docs), "orders-write", "source of truth");
    }

    static List<String> backupProblems(List<Map<String, Object>> docs) {
        List<String> problems = new ArrayList<>();
        Set<String> writes = writeClusters(docs);
        for (Map<String, Object> cluster : ofKind(docs, "Cluster")) {
            String name = name(cluster);
            String where = describe(cluster);
            boolean derived = map(map(cluster, "metadata"), "annotations").containsKey(DERIVED);
            if (derived && writes.contains(name)) {
                problems.add(where + ": the write model is the source of truth, not derived (" + DERIVED + ")");
            } else if (derived) {
                continue;
            }
            Map<String, Object> spec = map(cluster, "spec");
            Map<String, Object> plugin = barmanPlugin(cluster);
            if (plugin.isEmpty() || !Boolean.TRUE.equals(plugin.get("isWALArchiver"))
                    || Boolean.FALSE.equals(plugin.get("enabled"))) {
                problems.add(where + ": no WAL archiving through the plugin " + BARMAN + " (spec.plugins, "
                        + "isWALArchiver: true)");
            } else {
                String store = String.valueOf(map(plugin, "parameters").get("barmanObjectName"));
                Optional<Map<String, Object>> objectStore = find(docs, "ObjectStore", store);
                if (objectStore.isEmpty()) {
                    problems.add(where + ": archives into ObjectStore " + store + ", which is not rendered");
                } else {
                    Map<String, Object> os = map(objectStore.get(), "spec");
                    if (String.valueOf(os.getOrDefault("retentionPolicy", "")).isBlank()) {
                        problems.add("ObjectStore/" + store + ": no retentionPolicy (the bucket grows forever)");
                    }
                    if (String.valueOf(map(os, "configuration").getOrDefault("destinationPath", "")).isBlank()) {
                        problems.add("ObjectStore/" + store + ": no destinationPath");
                    }
                }
            }
            String timeout = String.valueOf(map(map(spec, "postgresql"), "parameters").get("archive_timeout"));
            long seconds = postgresSeconds(timeout);
            if (seconds <= 0 || seconds > 300) {
                problems.add(where + ": archive_timeout " + timeout + " (set, at most 5min: it bounds what a "
                        + "restore from the archive loses)");
            }
            boolean scheduled = ofKind(docs, "ScheduledBackup").stream().map(b -> map(b, "spec"))
                    .anyMatch(b -> name.equals(map(b, "cluster").get("name")) && "plugin".equals(b.get("method"))
                            && BARMAN.equals(map(b, "pluginConfiguration").get("name"))
                            && !Boolean.TRUE.equals(b.get("suspend")));
            if (!scheduled) {
                problems.add(where + ": no ScheduledBackup of it through the plugin " + BARMAN + " (method: plugin, "
                        + "pluginConfiguration.name), or it is suspended");
            }
        }
        return problems;
    }

    static Map<String, Object> barmanPlugin(Map<String, Object> cluster) {
        return list(map(cluster, "spec"), "plugins").stream().filter(p -> BARMAN.equals(p.get("name"))).findFirst()
                .orElse(new java.util.HashMap<>());
    }

    /** The archive folder a Cluster writes to: its plugin's serverName, else the Cluster's name. */
    static String archiveServerName(Map<String, Object> cluster) {
        Object server = map(barmanPlugin(cluster), "parameters").get("serverName");
        return server == null ? name(cluster) : String.valueOf(server);
    }

    /** A Postgres time setting in seconds ("5min", "300", "300s", "1h"); -1 if unset or unreadable. */
    static long postgresSeconds(String value) {
        Matcher m = Pattern.compile("\\s*(\\d+)\\s*(ms|s|min|h|d)?\\s*").matcher(value == null ? "" : value);
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> n / 1000;
            case "min" -> n * 60;
            case "h" -> n * 3600;
            case "d" -> n * 86400;
            default -> n;
        };
    }

    // --- restore --------------------------------------------------------------------------------------------------

    @Test
    void theRestoreOverlayRecoversTheWriteClusterFromTheArchiveItsBackupsGoTo() {
        List<Map<String, Object>> prod = render("k8s/overlays/prod");
        List<Map<String, Object>> restore = render(RESTORE);
        assertEquals(List.of(), restoreProblems(prod, restore), RESTORE);
        Map<String, Object> cluster = named(restore, "Cluster", "orders-write");
        System.out.println(RESTORE + ": orders-write recovers from " + map(map(map(cluster, "spec"), "bootstrap"),
                "recovery") + " and archives into " + archiveServerName(cluster));
    }

    @Test
    void aRestoreFromAnotherObjectStoreOrFolderFails() {
        List<Map<String, Object>> prod = render("k8s/overlays/prod");
        List<Map<String, Object>> restore = render(RESTORE);
        map(archivePlugin(restore), "parameters").put("barmanObjectName", "orders-read-backup");
        assertMentions(restoreProblems(prod, restore), "orders-read-backup", "orders-write-backup");
        List<Map<String, Object>> folder = render(RESTORE);
        map(archivePlugin(folder), "parameters").put("serverName", "orders-write-old");
        assertMentions(restoreProblems(prod, folder), "orders-write-old");
    }

    @Test
    void aRestoredClusterArchivingIntoItsSourceFolderFails() {
        List<Map<String, Object>> prod = render("k8s/overlays/prod");
        List<Map<String, Object>> restore = render(RESTORE);
        map(barmanPlugin(named(restore, "Cluster", "orders-write")), "parameters").put("serverName", "orders-write");
        assertMentions(restoreProblems(prod, restore), "folder it restores from");
    }

    @Test
    void aRestoreThatStillInitializesOrChangesMoreThanTheClusterFails() {
        List<Map<String, Object>> prod = render("k8s/overlays/prod");
        List<Map<String, Object>> restore = render(RESTORE);
        map(map(named(restore, "Cluster", "orders-write"), "spec"), "bootstrap").put("initdb", Map.of());
        assertMentions(restoreProblems(prod, restore), "bootstrap");
        List<Map<String, Object>> more = render(RESTORE);
        map(named(more, "HorizontalPodAutoscaler", "command-service"), "spec").put("maxReplicas", 1);
        assertMentions(restoreProblems(prod, more), "HorizontalPodAutoscaler/command-service", "differs from prod");
    }

    @Test
    void aRecoveryTargetThatIsNoTimestampFails() {
        List<Map<String, Object>> prod = render("k8s/overlays/prod");
        List<Map<String, Object>> restore = render(RESTORE);
        map(map(map(named(restore, "Cluster", "orders-write"), "spec"), "bootstrap"), "recovery")
                .put("recoveryTarget", Map.of("targetTime", "yesterday at ten"));
        assertMentions(restoreProblems(prod, restore), "targetTime");
    }

    /**
     * The restore overlay against prod: each of prod's write Clusters bootstraps only from {@code recovery}, whose
     * source is an external cluster read through the plugin from the ObjectStore and folder (serverName) prod
     * archives into; it keeps the database, owner and Secret of prod's initdb; it archives into another folder; a
     * recoveryTarget.targetTime, if any, is a timestamp. Every other object is prod's, unchanged.
     */
    static List<String> restoreProblems(List<Map<String, Object>> prod, List<Map<String, Object>> restore) {
        List<String> problems = new ArrayList<>();
        Set<String> writes = writeClusters(prod);
        if (writes.isEmpty()) {
            problems.add("prod: no write Cluster");
        }
        for (String name : writes) {
            Map<String, Object> before = named(prod, "Cluster", name);
            Optional<Map<String, Object>> restored = find(restore, "Cluster", name);
            String where = RESTORE + " Cluster/" + name;
            if (restored.isEmpty()) {
                problems.add(where + ": not rendered");
                continue;
            }
            Map<String, Object> spec = map(restored.get(), "spec");
            Map<String, Object> bootstrap = map(spec, "bootstrap");
            Map<String, Object> recovery = map(bootstrap, "recovery");
            if (recovery.isEmpty() || bootstrap.size() != 1) {
                problems.add(where + ": bootstrap " + bootstrap.keySet() + " (recovery alone)");
                continue;
            }
            Map<String, Object> initdb = map(map(map(before, "spec"), "bootstrap"), "initdb");
            for (String field : List.of("database", "owner", "secret")) {
                if (!String.valueOf(initdb.get(field)).equals(String.valueOf(recovery.get(field)))) {
                    problems.add(where + ": recovery." + field + " " + recovery.get(field) + ", prod's initdb has "
                            + initdb.get(field));
                }
            }
            Object target = map(recovery, "recoveryTarget").get("targetTime");
            if (target != null) {
                try {
                    java.time.OffsetDateTime.parse(String.valueOf(target));
                } catch (java.time.format.DateTimeParseException e) {
                    problems.add(where + ": recoveryTarget.targetTime " + target + " is not an RFC 3339 timestamp");
                }
            }
            String source = String.valueOf(recovery.get("source"));
            Map<String, Object> external = list(spec, "externalClusters").stream()
                    .filter(e -> source.equals(e.get("name"))).findFirst().orElse(Map.of());
            Map<String, Object> plugin = map(external, "plugin");
            Map<String, Object> params = map(plugin, "parameters");
            String backupStore = String.valueOf(map(barmanPlugin(before), "parameters").get("barmanObjectName"));
            String backupFolder = archiveServerName(before);
            if (!BARMAN.equals(plugin.get("name"))) {
                problems.add(where + ": recovery source " + source + " is not read through the plugin " + BARMAN
                        + " (externalClusters: " + list(spec, "externalClusters") + ")");
                continue;
            }
            String sourceFolder = String.valueOf(params.getOrDefault("serverName", source));
            if (!backupStore.equals(String.valueOf(params.get("barmanObjectName")))) {
                problems.add(where + ": restores from ObjectStore " + params.get("barmanObjectName")
                        + ", but prod's backups go to ObjectStore " + backupStore);
            }
            if (!backupFolder.equals(sourceFolder)) {
                problems.add(where + ": restores from folder (serverName) " + sourceFolder + ", but prod archives into "
                        + backupFolder);
            }
            String restoredStore = String.valueOf(map(barmanPlugin(restored.get()), "parameters").get("barmanObjectName"));
            if (restoredStore.equals(String.valueOf(params.get("barmanObjectName")))
                    && archiveServerName(restored.get()).equals(sourceFolder)) {
                problems.add(where + ": archives into the folder it restores from (" + sourceFolder + "): give it a "
                        + "new serverName");
            }
        }
        List<String> prodObjects = prod.stream().map(Manifests::describe).sorted().toList();
        List<String> restoreObjects = restore.stream().map(Manifests::describe).sorted().toList();
        if (!prodObjects.equals(restoreObjects)) {
            problems.add(RESTORE + ": renders other objects than prod: " + restoreObjects + " vs " + prodObjects);
        }
        for (Map<String, Object> d : restore) {
            if ("Cluster".equals(d.get("kind")) && writes.contains(name(d))) {
                continue;
            }
            Optional<Map<String, Object>> same = prod.stream().filter(p -> describe(p).equals(describe(d))).findFirst();
            if (same.isPresent() && !same.get().equals(d)) {
                problems.add(RESTORE + ": " + describe(d) + " differs from prod (only the write Cluster may)");
            }
        }
        return problems;
    }

    private static Map<String, Object> archivePlugin(List<Map<String, Object>> restore) {
        return map(list(map(named(restore, "Cluster", "orders-write"), "spec"), "externalClusters").get(0), "plugin");
    }

    // --- the clusters the services use ----------------------------------------------------------------------------

    /** The Clusters command-service connects to (reactive or JDBC URL; directly or through a Pooler). */
    static Set<String> writeClusters(List<Map<String, Object>> docs) {
        Set<String> clusters = new LinkedHashSet<>();
        for (Map<String, Object> c : Manifests.containers(Manifests.podSpec(named(docs, "Deployment", "command-service")))) {
            environment(docs, c).forEach((key, value) -> {
                if (value != null && value.matches("(jdbc:)?postgres(ql)?://.*")) {
                    clusterOf(docs, Manifests.PgUrl.parse(value).host()).ifPresent(clusters::add);
                }
            });
        }
        return clusters;
    }

    /** The CloudNativePG Cluster behind a host: a Pooler's cluster, or {@code <cluster>-rw|-ro|-r}. */
    static Optional<String> clusterOf(List<Map<String, Object>> docs, String host) {
        Optional<Map<String, Object>> pooler = find(docs, "Pooler", host);
        if (pooler.isPresent()) {
            return Optional.of(String.valueOf(map(map(pooler.get(), "spec"), "cluster").get("name")));
        }
        return ofKind(docs, "Cluster").stream().map(Manifests::name)
                .filter(c -> host.matches(Pattern.quote(c) + "-(rw|ro|r)")).findFirst();
    }

    static void assertMentions(List<String> problems, String... mentions) {
        String all = String.join("\n", problems);
        for (String mention : mentions) {
            assertTrue(!problems.isEmpty() && all.contains(mention),
                    "expected a problem mentioning " + List.of(mentions) + ", got " + problems);
        }
    }
}
