package dev.orders.k8s;

import static dev.orders.k8s.Manifests.list;
import static dev.orders.k8s.Manifests.map;
import static dev.orders.k8s.Manifests.named;
import static dev.orders.k8s.Manifests.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The PrometheusRule, the dashboards' and the runbook's PromQL, through Prometheus's own {@code promtool}:
 * <ul>
 * <li>{@code promtool check rules}: every rule's expression and annotation templates parse;</li>
 * <li>{@code promtool test rules} with src/test/resources/promtool/orders-rules.test.yaml: synthetic series in,
 * which alerts fire and which must not (the outbox probe on NaN gauges and on its failure counter, a stuck projector
 * versus a busy one, unreplayed dead letters, the burn-rate windows, …);</li>
 * <li>every dashboard target and query variable, and every line of RUNBOOK.md's {@code promql} code blocks, parses
 * (each checked as a recording rule, Grafana's variables replaced by values).</li>
 * </ul>
 * promtool ships in Debian's {@code prometheus} package or Prometheus's release tarball. The project's test command
 * ({@code deploy/local/test}) takes it out of that package when it is missing and passes {@code -Dpromtool=/path
 * -Dpromtool.required=true}; a bare {@code mvnw verify} without it on the PATH skips these tests.
 */
class PrometheusRulesTest {
    static final Path UNIT_TESTS = Manifests.REPO.resolve("k8s/src/test/resources/promtool/orders-rules.test.yaml");

    static String promtool;

    @BeforeAll
    static void findPromtool() {
        promtool = System.getProperty("promtool");
        if (promtool == null) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, "promtool"))) {
                    promtool = Path.of(dir, "promtool").toString();
                    break;
                }
            }
        }
        if (promtool == null && Boolean.getBoolean("promtool.required")) {
            throw new AssertionError("promtool is required (-Dpromtool.required=true) but not on the PATH");
        }
        Assumptions.assumeTrue(promtool != null,
                "promtool not on the PATH: rule syntax and alert unit tests skipped (apt-get install prometheus)");
    }

    @Test
    void theRulesAndTheirTemplatesParse(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, dump(spec(true)));
        Result r = run(dir, "check", "rules", rules.toString());
        assertEquals(0, r.exit, "promtool check rules:\n" + r.output);
        System.out.println(r.output.strip());
    }

    @Test
    void theAlertsFireWhenTheyShouldAndOnlyThen(@TempDir Path dir) throws Exception {
        // the annotations' texts are not the unit tests' business: `check rules` parses their templates
        Files.writeString(dir.resolve("rules.yaml"), dump(spec(false)));
        Files.copy(UNIT_TESTS, dir.resolve("orders-rules.test.yaml"));
        Result r = run(dir, "test", "rules", "orders-rules.test.yaml");
        assertEquals(0, r.exit, "promtool test rules " + UNIT_TESTS + ":\n" + r.output);
        System.out.println(r.output.strip());
    }

    @Test
    void theDashboardsAndTheRunbookQueriesParse(@TempDir Path dir) throws Exception {
        Map<String, String> exprs = new LinkedHashMap<>();
        MonitoringTest.dashboardFiles().forEach((file, text) ->
                exprs.putAll(MonitoringTest.dashboardExpressions(file, MonitoringTest.parse(text))));
        exprs.putAll(runbookQueries(Files.readString(MonitoringTest.RUNBOOK, StandardCharsets.UTF_8)));
        exprs.values().removeIf(String::isBlank);
        assertTrue(exprs.size() > 50, "dashboards and runbook have queries: " + exprs.size());
        Result r = checkAsRules(dir, exprs);
        assertEquals(0, r.exit, "promtool check rules (dashboard and runbook queries):\n" + r.output);
        System.out.println(exprs.size() + " dashboard and runbook queries parse");
    }

    @Test
    void aQueryThatDoesNotParseFails(@TempDir Path dir) throws Exception {
        Result r = checkAsRules(dir, Map.of("broken", "sum(rate(outbox_relayed_total[$__rate_interval])"));
        assertNotEquals(0, r.exit, "an unclosed parenthesis fails promtool check rules:\n" + r.output);
    }

    @Test
    void anAlertThatNoLongerFiresFailsItsUnitTest(@TempDir Path dir) throws Exception {
        Map<String, Object> spec = spec(false);
        for (Map<String, Object> group : list(spec, "groups")) {
            for (Map<String, Object> rule : list(group, "rules")) {
                if ("OrdersOutboxBacklogProbeFailing".equals(rule.get("alert"))) {
                    // what the alert would be without the failure counter and NaN check: silent on NaN
                    rule.put("expr", "max by (namespace, job, pod) (outbox_backlog) > 1000");
                }
            }
        }
        Files.writeString(dir.resolve("rules.yaml"), dump(spec));
        Files.copy(UNIT_TESTS, dir.resolve("orders-rules.test.yaml"));
        Result r = run(dir, "test", "rules", "orders-rules.test.yaml");
        assertNotEquals(0, r.exit, "the unit tests catch an outbox probe alert that ignores NaN:\n" + r.output);
        assertTrue(r.output.contains("OrdersOutboxBacklogProbeFailing"), r.output);
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    /** The rendered PrometheusRule's spec: a Prometheus rule file ({@code groups:}). */
    static Map<String, Object> spec(boolean withAnnotations) {
        Map<String, Object> spec = map(named(render("k8s/overlays/prod"), "PrometheusRule", "orders"), "spec");
        if (!withAnnotations) {
            list(spec, "groups").forEach(g -> list(g, "rules").forEach(r -> r.remove("annotations")));
        }
        return spec;
    }

    /**
     * The lines of RUNBOOK.md's {@code ```promql} blocks, one query each (the runbook writes one per line), by
     * where they are.
     */
    static Map<String, String> runbookQueries(String markdown) {
        Map<String, String> queries = new LinkedHashMap<>();
        boolean in = false;
        String section = "";
        int n = 0;
        for (String line : markdown.split("\r?\n")) {
            if (!in && line.startsWith("#")) {
                section = line.replaceFirst("^#+\\s*", "");
            } else if (!in && line.strip().equals("```promql")) {
                in = true;
            } else if (in && line.strip().startsWith("```")) {
                in = false;
            } else if (in && !line.isBlank()) {
                queries.put("RUNBOOK.md " + section + " query " + ++n, line.strip());
            }
        }
        return queries;
    }

    /** Grafana's variables become values Prometheus accepts: ranges 5m, anything else a label value. */
    static String withoutGrafanaVariables(String expr) {
        return expr.replaceAll("\\$__(rate_interval|interval|range)\\b", "5m").replaceAll("\\$\\{[^}]*}|\\$\\w+", "x");
    }

    private static Result checkAsRules(Path dir, Map<String, String> exprs) throws Exception {
        List<Map<String, Object>> rules = new ArrayList<>();
        int i = 0;
        for (String expr : exprs.values()) {
            rules.add(Map.of("record", "check:query:" + i++, "expr", withoutGrafanaVariables(expr)));
        }
        Path file = dir.resolve("queries.yaml");
        Files.writeString(file, dump(Map.of("groups", List.of(Map.of("name", "queries", "rules", rules)))));
        return run(dir, "check", "rules", file.toString());
    }

    private static String dump(Object yaml) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(Integer.MAX_VALUE);
        String text = new Yaml(options).dump(yaml);
        new Yaml(new LoaderOptions()).load(text); // what we hand promtool reads back
        return text;
    }

    record Result(int exit, String output) {
    }

    private static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(promtool));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "promtool finished");
        return new Result(p.exitValue(), out);
    }
}
