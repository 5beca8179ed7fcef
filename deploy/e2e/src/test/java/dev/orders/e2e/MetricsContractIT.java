package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The alerts (k8s/base/prometheusrule.yaml), the Grafana dashboards (k8s/base/dashboards/*.json) and the runbook's
 * queries (RUNBOOK.md's {@code promql} blocks) read only metrics the running services expose: a renamed meter, a
 * histogram read by its bare name, or a counter read without {@code _total} would leave an alert silent and a panel
 * empty, and nothing else would notice.
 * <p>
 * Each service is exercised first (a write, a read, a list, the write's event projected), since some meters appear
 * only once used; then its management {@code /q/metrics} is scraped. A name matches a sample name as exposed, so a
 * histogram is read through {@code _bucket}/{@code _count}/{@code _sum} (the HTTP timers once also published quantile
 * samples under their bare name), a summary through its quantile series or {@code _count}/{@code _sum} (its
 * {@code _bucket} is reported, with that hint), a counter through {@code _total} (its bare name is reported), and a
 * Micrometer timer's maximum through {@code _max}. A selector naming {@code job="<service>"} must be met by that
 * service. Recording rules' names (defined in the rule file) are not the services' business; series from elsewhere
 * are allowed by the explicit {@link #EXTERNAL} list. The latency SLO's bucket boundaries ({@code le="…"}) must be
 * ones the services publish.
 * <p>
 * The extractor is {@link PromQlMetrics}, a copy of the k8s module's (see its comment for why a copy; the k8s
 * PromQlMetricsTest keeps the two equal). The files are read from the repository itself, so this checks what is
 * committed beside it.
 */
class MetricsContractIT {
    static final Path RULE_FILE = Stack.REPO.resolve("k8s/base/prometheusrule.yaml");
    static final Path DASHBOARDS = Stack.REPO.resolve("k8s/base/dashboards");
    static final Path RUNBOOK = Stack.REPO.resolve("RUNBOOK.md");
    static final String PROJECTOR = "http://127.0.0.1:" + Stack.env("PROJECTOR_PORT", "8083");
    static final Map<String, String> SERVICES = Map.of("command-service", Stack.WRITE_API, "query-service",
            Stack.READ_API, "projector", PROJECTOR);

    /**
     * Series the services do not expose, and where they come from: a name prefix (ending in {@code _}) or an exact
     * name. Kept small and specific: {@code kafka_} alone would also excuse the services' own Kafka client meters
     * ({@code kafka_consumer_*}, {@code kafka_producer_*}), which are checked.
     */
    static final Map<String, String> EXTERNAL = Map.of(
            "kafka_consumergroup_", "Strimzi's Kafka Exporter: consumer-group offsets and lag",
            "kafka_topic_", "Strimzi's Kafka Exporter: topic partition offsets",
            "kube_", "kube-state-metrics: Deployment and pod status",
            "cnpg_", "CloudNativePG's exporter on each Postgres instance: replication lag",
            "up", "Prometheus itself: 1 or 0 per scrape target");

    static final String ADA = "c0000000-0000-4000-8000-000000000001";
    static final String ORDER = """
            {"items":[{"productId":"a0000000-0000-4000-8000-000000000001","quantity":1}]}""";

    /** What each service exposed: sample names, and families' types from the # TYPE lines. */
    record Scrape(String service, String text, Set<String> samples, Map<String, String> types) {
        static Scrape of(String service, String text) {
            Set<String> samples = new TreeSet<>();
            Map<String, String> types = new TreeMap<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split("\\s+");
                    types.put(parts[2], parts[3]);
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    samples.add(line.split("[{\\s]", 2)[0]);
                }
            }
            return new Scrape(service, text, samples, types);
        }
    }

    static Map<String, Scrape> scrapes;

    @BeforeAll
    static void exerciseThenScrape() throws Exception {
        String token = Stack.token(ADA);
        HttpResponse<String> created = Stack.post(Stack.WRITE_API + "/orders", token, ORDER);
        assertEquals(201, created.statusCode(), "write: " + created.body());
        String location = created.headers().firstValue("Location").orElseThrow();
        String id = location.substring(location.lastIndexOf('/') + 1);
        // the event projected (projector) and read back (query-service: cache, replica routing, rate limit)
        Awaitility.await("order " + id + " readable").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> Stack.getStatus(Stack.READ_API + "/orders/" + id, token) == 200);
        assertEquals(200, Stack.getStatus(Stack.READ_API + "/orders?limit=5", token), "list");
        assertEquals(200, Stack.getStatus(Stack.WRITE_API + "/products?limit=2", token), "products");
        Awaitility.await("projector counted applied events").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Stack.counter(PROJECTOR, "projector_events_applied_total") > 0);
        scrapes = new TreeMap<>();
        for (Map.Entry<String, String> s : SERVICES.entrySet()) {
            HttpResponse<String> r = Stack.HTTP.send(HttpRequest.newBuilder(
                    URI.create(Stack.management(s.getValue()) + "/q/metrics")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), s.getKey() + " /q/metrics");
            scrapes.put(s.getKey(), Scrape.of(s.getKey(), r.body()));
        }
    }

    @Test
    void everyMetricTheAlertsDashboardsAndRunbookReadIsExposed() throws IOException {
        Map<String, String> exprs = expressions();
        List<String> problems = problems(exprs, recorded(), scrapes);
        assertTrue(problems.isEmpty(), problems.size() + " metric(s) read but not exposed:\n" + String.join("\n", problems));
        Set<String> names = new TreeSet<>();
        exprs.values().forEach(e -> names.addAll(PromQlMetrics.metricNames(e)));
        System.out.println(exprs.size() + " expressions read " + names.size() + " names, all exposed or external");
    }

    @Test
    void theLatencyObjectivesBucketBoundariesArePublished() throws IOException {
        List<String> problems = bucketProblems(expressions(), scrapes);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    // --- controls: the same checks report what is not there -----------------------------------------------------

    @Test
    void aNameNoServiceExposesIsReported() {
        Map<String, String> exprs = new LinkedHashMap<>();
        exprs.put("control unknown", "sum(rate(orders_no_such_metric_total[5m]))");
        exprs.put("control buckets of a summary", "histogram_quantile(0.99, sum by (le) (rate(projector_batch_apply_seconds_bucket[5m])))");
        exprs.put("control counter without _total", "rate(outbox_relayed[5m])");
        exprs.put("control wrong service", "projector_events_applied_total{job=\"query-service\"}");
        exprs.put("control unlisted Kafka metric", "kafka_server_brokertopicmetrics_messagesin_total");
        exprs.put("control listed external", "kube_pod_info or up or cnpg_pg_replication_lag");
        List<String> problems = problems(exprs, Set.of(), scrapes);
        assertMentions(problems, "orders_no_such_metric_total");
        assertMentions(problems, "projector_batch_apply_seconds_bucket: a summary");
        assertMentions(problems, "outbox_relayed: a counter");
        assertMentions(problems, "projector_events_applied_total: not exposed by query-service");
        assertMentions(problems, "kafka_server_brokertopicmetrics_messagesin_total");
        assertEquals(5, problems.size(), "the external names are not reported: " + problems);
    }

    @Test
    void aBucketBoundaryNoServicePublishesIsReported() {
        List<String> problems = bucketProblems(Map.of("control", "rate(http_server_requests_seconds_bucket{job=\"query-service\", le=\"0.25\"}[5m])"),
                scrapes);
        assertMentions(problems, "le=\"0.25\"");
    }

    // --- the check -----------------------------------------------------------------------------------------------

    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}");
    private static final Pattern JOB = Pattern.compile("\\bjob\\s*(=~|=)\\s*\"([^\"]*)\"");

    /** Each name an expression reads that no service exposes (or not the service its job= names), with a hint. */
    static List<String> problems(Map<String, String> exprs, Set<String> recorded, Map<String, Scrape> scrapes) {
        Map<String, Set<String>> usedBy = new TreeMap<>();
        exprs.forEach((where, e) -> PromQlMetrics.metricNames(e)
                .forEach(n -> usedBy.computeIfAbsent(n, k -> new TreeSet<>()).add(where)));
        List<String> problems = new ArrayList<>();
        usedBy.forEach((name, where) -> {
            if (recorded.contains(name) || external(name)) {
                return;
            }
            if (scrapes.values().stream().noneMatch(s -> s.samples().contains(name))) {
                problems.add(name + ": " + hint(name, scrapes) + "; read by " + where);
            }
        });
        // job="x": that service must expose it
        exprs.forEach((where, e) -> {
            Matcher sel = SELECTOR.matcher(e);
            while (sel.find()) {
                String name = sel.group(1);
                Matcher job = JOB.matcher(sel.group(2));
                if (recorded.contains(name) || external(name) || !job.find()) {
                    continue;
                }
                for (String service : job.group(1).equals("=~") ? job.group(2).split("\\|") : new String[] { job.group(2) }) {
                    Scrape s = scrapes.get(service);
                    if (s == null) {
                        problems.add(name + ": job \"" + service + "\" is no service; read by " + where);
                    } else if (!s.samples().contains(name)
                            && scrapes.values().stream().anyMatch(o -> o.samples().contains(name))) {
                        problems.add(name + ": not exposed by " + service + "; read by " + where);
                    }
                }
            }
        });
        return problems;
    }

    static boolean external(String name) {
        return EXTERNAL.keySet().stream().anyMatch(k -> k.endsWith("_") ? name.startsWith(k) : name.equals(k));
    }

    private static String hint(String name, Map<String, Scrape> scrapes) {
        String base = name.replaceFirst("_(bucket|count|sum|max|total)$", "");
        for (Scrape s : scrapes.values()) {
            if (s.samples().contains(name + "_total")) {
                return "a counter (" + s.service() + "): read " + name + "_total";
            }
            String type = s.types().get(base);
            if ("histogram".equals(type) && !s.samples().contains(base + "_bucket")) {
                type = "summary"; // Micrometer declares percentiles-only timers as histograms of quantile samples
            }
            if ("histogram".equals(type)) {
                return "a histogram (" + s.service() + "): read " + base + "_bucket, _count or _sum";
            }
            if ("summary".equals(type)) {
                return "a summary (" + s.service() + "), no buckets: read " + base + "{quantile=…}, " + base
                        + "_count or " + base + "_sum";
            }
        }
        return "exposed by no service";
    }

    private static final Pattern LE = Pattern.compile("\\ble\\s*=\\s*\"([^\"]*)\"");

    /** Every {@code le="…"} an expression selects on a bucket series is a boundary that service publishes. */
    static List<String> bucketProblems(Map<String, String> exprs, Map<String, Scrape> scrapes) {
        List<String> problems = new ArrayList<>();
        exprs.forEach((where, e) -> {
            Matcher sel = SELECTOR.matcher(e);
            while (sel.find()) {
                Matcher le = LE.matcher(sel.group(2));
                if (!sel.group(1).endsWith("_bucket") || !le.find()) {
                    continue;
                }
                Matcher job = JOB.matcher(sel.group(2));
                List<String> services = job.find() ? List.of(job.group(2).split("\\|")) : List.copyOf(scrapes.keySet());
                String wanted = "le=\"" + le.group(1) + "\"";
                boolean published = services.stream().map(scrapes::get).filter(s -> s != null).anyMatch(s -> s.text()
                        .lines().anyMatch(l -> l.startsWith(sel.group(1) + "{") && l.contains(wanted)));
                if (!published) {
                    problems.add(where + ": " + sel.group(1) + " " + wanted + " is a boundary no bucket of " + services
                            + " has (Micrometer's buckets changed? the SLO would count every request as slow)");
                }
            }
        });
        return problems;
    }

    // --- what the files read --------------------------------------------------------------------------------------

    /** Every PromQL expression of the rule file, the dashboards and the runbook, by where it is. */
    static Map<String, String> expressions() throws IOException {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (PromQlMetrics.Rule r : PromQlMetrics.rules(Files.readString(RULE_FILE, StandardCharsets.UTF_8))) {
            exprs.put("rule " + r.name(), r.expr());
        }
        ObjectMapper json = new ObjectMapper();
        List<Path> files;
        try (Stream<Path> s = Files.list(DASHBOARDS)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(!files.isEmpty(), "dashboards in " + DASHBOARDS);
        for (Path file : files) {
            JsonNode d = json.readTree(file.toFile());
            List<JsonNode> panels = new ArrayList<>();
            d.path("panels").forEach(p -> {
                panels.add(p);
                p.path("panels").forEach(panels::add);
            });
            for (JsonNode p : panels) {
                for (JsonNode t : p.path("targets")) {
                    exprs.put(file.getFileName() + " \"" + p.path("title").asText() + "\" " + t.path("refId").asText(),
                            t.path("expr").asText());
                }
            }
            for (JsonNode v : d.path("templating").path("list")) {
                if ("query".equals(v.path("type").asText())) {
                    JsonNode q = v.path("query");
                    exprs.put(file.getFileName() + " variable " + v.path("name").asText(),
                            PromQlMetrics.templateQueryExpr(q.isObject() ? q.path("query").asText() : q.asText()));
                }
            }
        }
        // RUNBOOK.md: the lines of its ```promql blocks, one query each
        boolean in = false;
        int n = 0;
        for (String line : Files.readString(RUNBOOK, StandardCharsets.UTF_8).split("\r?\n")) {
            if (line.strip().equals("```promql")) {
                in = true;
            } else if (in && line.strip().startsWith("```")) {
                in = false;
            } else if (in && !line.isBlank()) {
                exprs.put("RUNBOOK.md query " + ++n, line.strip());
            }
        }
        return exprs;
    }

    static Set<String> recorded() throws IOException {
        Set<String> recorded = new TreeSet<>();
        PromQlMetrics.rules(Files.readString(RULE_FILE, StandardCharsets.UTF_8)).stream()
                .filter(PromQlMetrics.Rule::recording).forEach(r -> recorded.add(r.name()));
        return recorded;
    }

    private static void assertMentions(List<String> problems, String text) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(text)),
                "expected a problem mentioning \"" + text + "\", got " + problems);
    }
}
