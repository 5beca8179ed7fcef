package dev.orders.k8s;

import static dev.orders.k8s.Manifests.REPO;
import static dev.orders.k8s.Manifests.SERVICES;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Alerts, dashboards and the runbook (issue 15), as every kustomization renders them:
 * <ul>
 * <li>the PrometheusRule {@code orders} comes with the ServiceMonitor (both need the Prometheus operator's CRDs:
 * base and both overlays render both: issue 15 asks both overlays for the alerts); SchemaCheckTest checks its
 * fields;</li>
 * <li>every alert has a severity (critical or warning), a summary, a description and a {@code runbook_url} whose
 * anchor is a heading of RUNBOOK.md under GitHub's slug rules; every alert section of the runbook names an alert;</li>
 * <li>every dashboard file of k8s/base/dashboards reaches Grafana's sidecar in every kustomization: a ConfigMap
 * labelled {@code grafana_dashboard: "1"} holding the file as it is, which is Grafana dashboard JSON whose panels all
 * query {@code ${datasource}} with an expression;</li>
 * <li>the {@code job} the expressions select on is a service's name, which the ServiceMonitor's jobLabel makes it;
 * every recorded series they read is recorded by the rule file.</li>
 * </ul>
 * Whether the services expose the metrics the expressions name is checked against the running stack by the e2e
 * MetricsContractIT; whether the rules fire when they should, by PrometheusRulesTest (promtool). Controls change
 * the rendered objects and expect each breach to be reported.
 */
class MonitoringTest {
    static final String RUNBOOK_URL = "https://github.com/orders-cqrs/orders-platform/blob/main/RUNBOOK.md#";
    static final Path RUNBOOK = REPO.resolve("RUNBOOK.md");
    static final Path DASHBOARDS = REPO.resolve("k8s/base/dashboards");
    static final String SIDECAR_LABEL = "grafana_dashboard";
    static final String RULE = "orders";
    static final Set<String> SEVERITIES = Set.of("critical", "warning");
    static final String DATASOURCE = "${datasource}";
    /** kubectl apply (client side) keeps the object in an annotation, and annotations hold 256 KiB at most. */
    static final int MAX_DASHBOARD_BYTES = 200 * 1024;

    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    // --- what each kustomization renders -----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void everyDashboardReachesTheGrafanaSidecar(String dir) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, String> files = dashboardFiles();
        Map<String, String> delivered = new TreeMap<>();
        for (Map<String, Object> cm : ofKind(render(dir), "ConfigMap")) {
            if (!"1".equals(String.valueOf(map(map(cm, "metadata"), "labels").get(SIDECAR_LABEL)))) {
                continue;
            }
            map(cm, "data").forEach((k, v) -> {
                if (delivered.put(k, String.valueOf(v)) != null) {
                    problems.add(k + ": delivered by two ConfigMaps");
                }
                if (String.valueOf(v).getBytes(StandardCharsets.UTF_8).length > MAX_DASHBOARD_BYTES) {
                    problems.add("ConfigMap " + name(cm) + ": over " + MAX_DASHBOARD_BYTES + " bytes (kubectl apply "
                            + "would fail on its last-applied annotation)");
                }
            });
        }
        assertEquals(files.keySet(), delivered.keySet(),
                dir + ": the ConfigMaps labelled " + SIDECAR_LABEL + "=1 hold exactly the files of " + DASHBOARDS);
        files.forEach((file, text) -> {
            if (!text.equals(delivered.get(file))) {
                problems.add(file + ": the ConfigMap does not hold the file as it is");
            }
            problems.addAll(dashboardProblems(file, text));
        });
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
        System.out.println(dir + ": dashboards " + delivered.keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void thePrometheusRuleComesWithTheServiceMonitor(String dir) {
        List<Map<String, Object>> docs = render(dir);
        assertEquals(find(docs, "ServiceMonitor", "orders").isPresent(), find(docs, "PrometheusRule", RULE).isPresent(),
                dir + ": the PrometheusRule and the ServiceMonitor need the same operator: both or neither");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.orders.k8s.Manifests#kustomizations")
    void everyKustomizationRendersTheRule(String dir) {
        assertTrue(find(render(dir), "PrometheusRule", RULE).isPresent(), dir + " renders the PrometheusRule");
    }

    // --- alerts and the runbook ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("withRule")
    void everyAlertIsLabelledAnnotatedAndLinksItsRunbookSection(String dir) throws IOException {
        Map<String, Object> rule = named(render(dir), "PrometheusRule", RULE);
        List<String> problems = alertProblems(rule, runbookAnchors());
        assertTrue(problems.isEmpty(), dir + ":\n" + String.join("\n", problems));
        System.out.println(dir + ": alerts " + alerts(rule).stream().map(a -> a.get("alert")).toList());
    }

    @Test
    void everyAlertSectionOfTheRunbookNamesAnAlert() throws IOException {
        Set<String> alerts = new TreeSet<>();
        alerts(named(render("k8s/base"), "PrometheusRule", RULE)).forEach(a -> alerts.add(String.valueOf(a.get("alert"))));
        assertEquals(alerts, alertSections(Files.readString(RUNBOOK, StandardCharsets.UTF_8)),
                "RUNBOOK.md's sections under \"## Alerts\" are the alerts, one each");
    }

    static Stream<String> withRule() throws IOException {
        return Manifests.kustomizations().filter(dir -> find(render(dir), "PrometheusRule", RULE).isPresent());
    }

    /** Each alert: severity, summary, description, and a runbook_url into RUNBOOK.md at an existing heading. */
    static List<String> alertProblems(Map<String, Object> rule, Set<String> anchors) {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> alerts = alerts(rule);
        if (alerts.isEmpty()) {
            problems.add("no alerts");
        }
        for (Map<String, Object> alert : alerts) {
            String name = String.valueOf(alert.get("alert"));
            String severity = String.valueOf(map(alert, "labels").get("severity"));
            if (!SEVERITIES.contains(severity)) {
                problems.add(name + ": labels.severity is " + severity + ", not one of " + SEVERITIES);
            }
            Map<String, Object> annotations = map(alert, "annotations");
            for (String key : List.of("summary", "description")) {
                if (String.valueOf(annotations.getOrDefault(key, "")).isBlank()) {
                    problems.add(name + ": no annotations." + key);
                }
            }
            String url = String.valueOf(annotations.getOrDefault("runbook_url", ""));
            if (!url.startsWith(RUNBOOK_URL)) {
                problems.add(name + ": runbook_url " + url + " is not " + RUNBOOK_URL + "<anchor>");
            } else {
                String anchor = url.substring(RUNBOOK_URL.length());
                if (!anchors.contains(anchor)) {
                    problems.add(name + ": runbook_url anchor #" + anchor + " is no heading of RUNBOOK.md");
                } else if (!anchor.equals(slug(name))) {
                    problems.add(name + ": runbook_url points at #" + anchor + ", not at its own section #" + slug(name));
                }
            }
        }
        return problems;
    }

    static List<Map<String, Object>> alerts(Map<String, Object> rule) {
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (Map<String, Object> group : list(map(rule, "spec"), "groups")) {
            list(group, "rules").stream().filter(r -> r.containsKey("alert")).forEach(alerts::add);
        }
        return alerts;
    }

    static Set<String> runbookAnchors() throws IOException {
        return anchors(Files.readString(RUNBOOK, StandardCharsets.UTF_8));
    }

    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");

    /** The anchors GitHub gives a Markdown file's headings (fenced code blocks skipped; repeats get -1, -2, …). */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\r?\n")) {
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                fenced = !fenced;
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (!fenced && h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }

    /**
     * GitHub's anchor for a heading: lower case, punctuation dropped except {@code -} and {@code _}, each space a
     * {@code -}. (Inline code and emphasis marks are punctuation, so they go too.)
     */
    static String slug(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "").replace(' ', '-');
    }

    /** The level-3 headings under the level-2 heading "Alerts". */
    static Set<String> alertSections(String markdown) {
        Set<String> sections = new TreeSet<>();
        boolean inAlerts = false;
        boolean fenced = false;
        for (String line : markdown.split("\r?\n")) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced && line.startsWith("## ")) {
                inAlerts = line.substring(3).strip().equals("Alerts");
            } else if (!fenced && inAlerts && line.startsWith("### ")) {
                sections.add(line.substring(4).strip());
            }
        }
        return sections;
    }

    @ParameterizedTest(name = "{0} → #{1}")
    @CsvSource(delimiterString = " => ", value = {
            "OrdersOutboxBacklogAging => ordersoutboxbacklogaging",
            "Alert sources => alert-sources",
            "What `up` means, and why? => what-up-means-and-why",
            "snake_case and kebab-case => snake_case-and-kebab-case",
            "Two  spaces => two--spaces" })
    void slugsFollowGitHub(String heading, String anchor) {
        assertEquals(anchor, slug(heading));
    }

    @Test
    void repeatedHeadingsAndCodeBlocksAreTakenAsGitHubDoes() {
        assertEquals(Set.of("a", "a-1", "b"), anchors("# A\n## A\n```\n# not a heading\n```\n### B ###\n"));
    }

    // --- controls: the same checks fail ---------------------------------------------------------------------------

    @Test
    void aRunbookUrlToAMissingSectionIsRejected() throws IOException {
        Map<String, Object> rule = named(render("k8s/overlays/prod"), "PrometheusRule", RULE);
        map(alerts(rule).get(0), "annotations").put("runbook_url", RUNBOOK_URL + "orders-no-such-section");
        assertMentions(alertProblems(rule, runbookAnchors()), "#orders-no-such-section is no heading");
    }

    @Test
    void aRunbookUrlToAnotherAlertsSectionOrElsewhereIsRejected() throws IOException {
        Map<String, Object> rule = named(render("k8s/overlays/prod"), "PrometheusRule", RULE);
        List<Map<String, Object>> alerts = alerts(rule);
        map(alerts.get(0), "annotations").put("runbook_url", map(alerts.get(1), "annotations").get("runbook_url"));
        map(alerts.get(2), "annotations").put("runbook_url",
                "https://github.com/orders-cqrs/orders-platform/blob/master/RUNBOOK.md#" + slug(alerts.get(2).get("alert") + ""));
        List<String> problems = alertProblems(rule, runbookAnchors());
        assertMentions(problems, "not at its own section");
        assertMentions(problems, "blob/master");
    }

    @Test
    void anAlertWithoutSeverityOrDescriptionIsRejected() throws IOException {
        Map<String, Object> rule = named(render("k8s/base"), "PrometheusRule", RULE);
        map(alerts(rule).get(0), "labels").put("severity", "page");
        map(alerts(rule).get(1), "annotations").remove("description");
        List<String> problems = alertProblems(rule, runbookAnchors());
        assertMentions(problems, "labels.severity is page");
        assertMentions(problems, "no annotations.description");
    }

    @Test
    void aRunbookAlertSectionWithoutItsAlertIsSeen() {
        assertEquals(Set.of("OrdersA", "OrdersGone"),
                alertSections("# Runbook\n## Tools\n### not an alert\n## Alerts\n### OrdersA\n```\n### x\n```\n### OrdersGone\n"));
    }

    // --- dashboards ------------------------------------------------------------------------------------------------

    static Map<String, String> dashboardFiles() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(DASHBOARDS)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                files.put(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        assertFalse(files.isEmpty(), "dashboards in " + DASHBOARDS);
        return files;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String json) {
        return JSON.readValue(json, LinkedHashMap.class);
    }

    /**
     * Grafana dashboard JSON: uid, title, schemaVersion, a Prometheus {@code datasource} variable; every panel
     * (rows' nested ones too) with a unique id and a place on the 24-column grid; every non-row panel queries
     * {@code ${datasource}} with at least one target, each with an expression; query variables too.
     */
    static List<String> dashboardProblems(String file, String text) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> d;
        try {
            d = parse(text);
        } catch (RuntimeException e) {
            return List.of(file + ": not JSON: " + e.getMessage());
        }
        for (String key : List.of("uid", "title")) {
            if (String.valueOf(d.getOrDefault(key, "")).isBlank()) {
                problems.add(file + ": no " + key);
            }
        }
        if (String.valueOf(d.get("uid")).length() > 40) {
            problems.add(file + ": uid longer than Grafana's 40 characters");
        }
        if (!(d.get("schemaVersion") instanceof Number v) || v.intValue() < 36) {
            problems.add(file + ": schemaVersion " + d.get("schemaVersion") + " (want 36 or later)");
        }
        List<Map<String, Object>> variables = list(map(d, "templating"), "list");
        boolean datasourceVariable = variables.stream().anyMatch(v -> "datasource".equals(v.get("name"))
                && "datasource".equals(v.get("type")) && "prometheus".equals(v.get("query")));
        if (!datasourceVariable) {
            problems.add(file + ": no variable \"datasource\" of type datasource, query prometheus");
        }
        for (Map<String, Object> v : variables) {
            if ("query".equals(v.get("type"))) {
                if (!DATASOURCE.equals(map(v, "datasource").get("uid"))) {
                    problems.add(file + ": variable " + v.get("name") + " does not query " + DATASOURCE);
                }
                if (templateQuery(v).isBlank()) {
                    problems.add(file + ": variable " + v.get("name") + " has no query");
                }
            }
        }
        Set<Object> ids = new HashSet<>();
        for (Map<String, Object> panel : panels(d)) {
            String where = file + ": panel " + panel.get("id") + " \"" + panel.get("title") + "\"";
            if (panel.get("id") == null || !ids.add(panel.get("id"))) {
                problems.add(where + ": missing or repeated id");
            }
            Map<String, Object> grid = map(panel, "gridPos");
            int x = Manifests.integer(grid.get("x"), -1);
            int w = Manifests.integer(grid.get("w"), -1);
            if (x < 0 || w < 1 || x + w > 24 || Manifests.integer(grid.get("h"), 0) < 1 || grid.get("y") == null) {
                problems.add(where + ": gridPos " + grid + " does not fit the 24-column grid");
            }
            if ("row".equals(panel.get("type"))) {
                continue;
            }
            if (!DATASOURCE.equals(map(panel, "datasource").get("uid"))) {
                problems.add(where + ": datasource is not " + DATASOURCE);
            }
            List<Map<String, Object>> targets = list(panel, "targets");
            if (targets.isEmpty()) {
                problems.add(where + ": no targets");
            }
            Set<Object> refIds = new HashSet<>();
            for (Map<String, Object> t : targets) {
                if (String.valueOf(t.getOrDefault("expr", "")).isBlank()) {
                    problems.add(where + ": target " + t.get("refId") + " has no expr");
                }
                if (t.containsKey("datasource") && !DATASOURCE.equals(map(t, "datasource").get("uid"))) {
                    problems.add(where + ": target " + t.get("refId") + " queries " + t.get("datasource"));
                }
                if (!refIds.add(t.get("refId"))) {
                    problems.add(where + ": repeated refId " + t.get("refId"));
                }
            }
        }
        return problems;
    }

    /** Every panel, the ones nested in collapsed rows included. */
    static List<Map<String, Object>> panels(Map<String, Object> dashboard) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (Map<String, Object> p : list(dashboard, "panels")) {
            all.add(p);
            all.addAll(list(p, "panels"));
        }
        return all;
    }

    static String templateQuery(Map<String, Object> variable) {
        Object q = variable.get("query");
        return String.valueOf(q instanceof Map<?, ?> m ? m.get("query") : q == null ? "" : q);
    }

    @Test
    void aDashboardTargetWithoutExprOrWithAnotherDatasourceIsRejected() throws IOException {
        Map.Entry<String, String> file = dashboardFiles().entrySet().iterator().next();
        Map<String, Object> d = parse(file.getValue());
        Map<String, Object> panel = panels(d).stream().filter(p -> !"row".equals(p.get("type"))).findFirst().orElseThrow();
        list(panel, "targets").get(0).remove("expr");
        panel.put("datasource", Map.of("type", "prometheus", "uid", "prom-prod"));
        List<String> problems = dashboardProblems(file.getKey(), JSON.writeValueAsString(d));
        assertMentions(problems, "has no expr");
        assertMentions(problems, "datasource is not");
    }

    @Test
    void aDashboardWithoutTheDatasourceVariableOrWithRepeatedPanelIdsIsRejected() throws IOException {
        Map.Entry<String, String> file = dashboardFiles().entrySet().iterator().next();
        Map<String, Object> d = parse(file.getValue());
        list(map(d, "templating"), "list").removeIf(v -> "datasource".equals(v.get("name")));
        panels(d).get(1).put("id", panels(d).get(0).get("id"));
        List<String> problems = dashboardProblems(file.getKey(), JSON.writeValueAsString(d));
        assertMentions(problems, "no variable \"datasource\"");
        assertMentions(problems, "repeated id");
    }

    @Test
    void brokenJsonIsRejected() {
        assertMentions(dashboardProblems("x.json", "{\"uid\": \"a\", \"uid\": \"b\"}"), "not JSON");
        assertMentions(dashboardProblems("x.json", "{\"uid\": \"a\",}"), "not JSON");
    }

    // --- what the expressions select on ----------------------------------------------------------------------------

    /** Every PromQL expression of the rule file and the dashboards (targets and query variables), by where it is. */
    static Map<String, String> expressions() throws IOException {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (PromQlMetrics.Rule r : PromQlMetrics.rules(Files.readString(PromQlMetricsTest.RULE_FILE))) {
            exprs.put("rule " + r.name(), r.expr());
        }
        dashboardFiles().forEach((file, text) -> exprs.putAll(dashboardExpressions(file, parse(text))));
        return exprs;
    }

    static Map<String, String> dashboardExpressions(String file, Map<String, Object> d) {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (Map<String, Object> panel : panels(d)) {
            for (Map<String, Object> t : list(panel, "targets")) {
                exprs.put(file + " panel \"" + panel.get("title") + "\" " + t.get("refId"), String.valueOf(t.get("expr")));
            }
        }
        for (Map<String, Object> v : list(map(d, "templating"), "list")) {
            if ("query".equals(v.get("type"))) {
                exprs.put(file + " variable " + v.get("name"), PromQlMetrics.templateQueryExpr(templateQuery(v)));
            }
        }
        return exprs;
    }

    private static final Pattern JOB = Pattern.compile("\\bjob\\s*(=~|=)\\s*\"([^\"]*)\"");

    /** The job values the expressions select ({@code job="x"}, {@code job=~"a|b"}) that are no service's name. */
    static List<String> jobProblems(Map<String, String> exprs) {
        List<String> problems = new ArrayList<>();
        exprs.forEach((where, expr) -> {
            Matcher m = JOB.matcher(expr);
            while (m.find()) {
                for (String job : m.group(1).equals("=~") ? m.group(2).split("\\|") : new String[] { m.group(2) }) {
                    if (!SERVICES.contains(job)) {
                        problems.add(where + ": job \"" + job + "\" is not one of " + SERVICES);
                    }
                }
            }
        });
        return problems;
    }

    @Test
    void theJobTheExpressionsSelectIsTheServiceNameTheServiceMonitorGives() throws IOException {
        List<Map<String, Object>> docs = render("k8s/overlays/prod");
        Map<String, Object> monitor = named(docs, "ServiceMonitor", "orders");
        String jobLabel = String.valueOf(map(monitor, "spec").get("jobLabel"));
        assertEquals("app.kubernetes.io/name", jobLabel, "the ServiceMonitor names each job after the app");
        for (String service : SERVICES) {
            Map<String, Object> labels = map(map(named(docs, "Service", service + "-management"), "metadata"), "labels");
            assertEquals(service, labels.get(jobLabel), service + "-management carries " + jobLabel + "=" + service);
        }
        List<String> problems = jobProblems(expressions());
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void aJobThatIsNoServiceIsRejected() {
        assertMentions(jobProblems(Map.of("x", "sum(rate(m{job=\"query\"}[5m])) + n{job=~\"projector|command\"}")),
                "job \"query\"");
        assertMentions(jobProblems(Map.of("x", "n{job=~\"projector|command\"}")), "job \"command\"");
    }

    @Test
    void everyRecordedSeriesTheExpressionsReadIsRecorded() throws IOException {
        Set<String> recorded = recorded();
        Map<String, String> exprs = expressions();
        List<String> problems = recordingProblems(exprs, recorded);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        // for the record: every metric the alerts and dashboards read (MetricsContractIT checks them against the stack)
        Set<String> used = new TreeSet<>();
        exprs.values().forEach(e -> used.addAll(PromQlMetrics.metricNames(e)));
        used.removeAll(recorded);
        System.out.println("metrics read by the alerts and dashboards (" + used.size() + "): " + used);
    }

    @Test
    void aRecordedSeriesNoRuleRecordsIsRejected() throws IOException {
        assertMentions(recordingProblems(Map.of("panel x", "orders:http_requests_slow:ratio_rate2h > 0.1"), recorded()),
                "orders:http_requests_slow:ratio_rate2h");
    }

    static Set<String> recorded() throws IOException {
        Set<String> recorded = new TreeSet<>();
        PromQlMetrics.rules(Files.readString(PromQlMetricsTest.RULE_FILE)).stream().filter(PromQlMetrics.Rule::recording)
                .forEach(r -> recorded.add(r.name()));
        return recorded;
    }

    /** Names in recording-rule form (level:metric:operation) that no rule records. */
    static List<String> recordingProblems(Map<String, String> exprs, Set<String> recorded) {
        List<String> problems = new ArrayList<>();
        exprs.forEach((where, expr) -> PromQlMetrics.metricNames(expr).stream()
                .filter(n -> n.contains(":") && !recorded.contains(n))
                .forEach(n -> problems.add(where + ": " + n + " (a recording rule's name) is recorded by no rule")));
        return problems;
    }

    private static void assertMentions(List<String> problems, String text) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(text)),
                "expected a problem mentioning \"" + text + "\", got " + problems);
    }
}
