package dev.orders.k8s;

import static dev.orders.k8s.PromQlMetrics.metricNames;
import static dev.orders.k8s.PromQlMetrics.templateQueryExpr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@link PromQlMetrics}: the metric names PromQL expressions read (what MonitoringTest and the e2e MetricsContractIT
 * check), its line-by-line rule-file reader against snakeyaml, and that the e2e module's copy is this one.
 */
class PromQlMetricsTest {
    static final Path RULE_FILE = Manifests.REPO.resolve("k8s/base/prometheusrule.yaml");
    static final Path E2E_COPY = Manifests.REPO.resolve("deploy/e2e/src/test/java/dev/orders/e2e/PromQlMetrics.java");
    static final Path THIS_COPY = Manifests.REPO.resolve("k8s/src/test/java/dev/orders/k8s/PromQlMetrics.java");

    @Test
    void aSelectorIsAName() {
        assertEquals(Set.of("up"), metricNames("up"));
        assertEquals(Set.of("outbox_backlog"), metricNames("outbox_backlog{job=\"command-service\"} > 10"));
        assertEquals(Set.of("orders:http_requests_slow:ratio_rate5m"),
                metricNames("orders:http_requests_slow:ratio_rate5m > (14.4 * 0.01)"));
    }

    @Test
    void functionsAndAggregationsAreNotNames() {
        assertEquals(Set.of("http_server_requests_seconds_bucket"), metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{job=\"q\"}[5m])))"));
        assertEquals(Set.of("a_total"), metricNames("sum (increase (a_total[1h])) / count(max_over_time(a_total[5m]))"));
        assertEquals(Set.of("x"), metricNames("label_replace(x, \"dst\", \"$1\", \"src\", \"(.*)\")"));
        assertEquals(Set.of("x"), metricNames("absent(x) or vector(0) or time() - timestamp(x)"));
    }

    @Test
    void keywordsAndOperatorsAreNotNames() {
        assertEquals(Set.of("a", "b"), metricNames("a and b or a unless b"));
        assertEquals(Set.of("a", "b"), metricNames("a / on (namespace, pod) group_left (node) b"));
        assertEquals(Set.of("a", "b"), metricNames("a * ignoring (le) group_right b"));
        assertEquals(Set.of("a", "b"), metricNames("a > bool b"));
        assertEquals(Set.of("a", "b"), metricNames("a atan2 b"));
        assertEquals(Set.of("a"), metricNames("a offset 1h"));
        assertEquals(Set.of("a"), metricNames("a @ start()"));
        assertEquals(Set.of("a"), metricNames("a > Inf or a != NaN"));
    }

    @Test
    void labelNamesAreNotNames() {
        assertEquals(Set.of("m"), metricNames("sum by (job, namespace) (m{status=~\"5..\", job!=\"x\"})"));
        assertEquals(Set.of("m"), metricNames("sum without (pod, instance) (m)"));
        assertEquals(Set.of("m"), metricNames("sum(m) by (job)"));
        assertEquals(Set.of("m"), metricNames("topk by (job) (3, m)"));
        assertEquals(Set.of("m"), metricNames("count_values(\"version\", m)"));
    }

    @Test
    void durationsNumbersAndGrafanaVariablesAreNotNames() {
        assertEquals(Set.of("m_total"), metricNames("rate(m_total[$__rate_interval])"));
        assertEquals(Set.of("m_total"), metricNames("rate(m_total{namespace=\"$namespace\"}[5m]) * 1e3 + 0x1f"));
        assertEquals(Set.of("m"), metricNames("max_over_time(m[1h30m:1m]) > .5"));
        assertEquals(Set.of("m"), metricNames("m / $__interval_ms * ${factor}"));
        assertEquals(Set.of("m"), metricNames("m offset -5m"));
    }

    @Test
    void stringsAndCommentsAreNotNames() {
        assertEquals(Set.of("m"), metricNames("m{topic=\"orders.events.v1.dlq\", group='x y'} # then some words\n"));
        assertEquals(Set.of("m"), metricNames("m{re=~`a|b`}"));
    }

    @Test
    void aNameMatcherNamesItsMetric() {
        assertEquals(Set.of("m_total"), metricNames("{__name__=\"m_total\", job=\"x\"}"));
        // only equality names one metric
        assertEquals(Set.of(), metricNames("{__name__=~\"m_.*\"}"));
    }

    // --- failing controls: the same extractor finds what a sloppy one would drop -------------------------------

    @Test
    void aNameRightAfterAGroupingClauseOrInsideABinaryOperationIsFound() {
        assertEquals(Set.of("after_by", "other"), metricNames("sum by (job) (after_by) / on (job) other"));
        assertEquals(Set.of("a", "b", "c"), metricNames("(a - b) / c"));
        // a misspelled function is still a function (followed by a parenthesis), a misspelled metric is still a name
        assertEquals(Set.of("outbox_backlogg"), metricNames("ratee(outbox_backlogg[5m])"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
            "label_values(process_uptime_seconds{job=~\"a|b\"}, namespace) => process_uptime_seconds{job=~\"a|b\"}",
            "label_values(namespace) => ''",
            "query_result(topk(5, m)) => 'topk(5, m)'",
            "metrics(jvm_.*) => ''",
            "up{job=\"x\"} => up{job=\"x\"}" })
    void templateQueriesYieldTheirPromQl(String query, String expected) {
        assertEquals(expected.strip(), templateQueryExpr(query));
    }

    // --- the rule-file reader ------------------------------------------------------------------------------------

    @Test
    void theLineReaderReadsTheRuleFileAsSnakeYamlDoes() throws Exception {
        String yaml = Files.readString(RULE_FILE, StandardCharsets.UTF_8);
        List<PromQlMetrics.Rule> expected = new ArrayList<>();
        Map<String, Object> doc = new Yaml(new LoaderOptions()).load(yaml);
        for (Map<String, Object> group : Manifests.list(Manifests.map(doc, "spec"), "groups")) {
            for (Map<String, Object> rule : Manifests.list(group, "rules")) {
                boolean recording = rule.containsKey("record");
                expected.add(new PromQlMetrics.Rule(String.valueOf(rule.get(recording ? "record" : "alert")),
                        recording, String.valueOf(rule.get("expr")).strip()));
            }
        }
        assertTrue(expected.size() > 10, "the rule file has rules");
        assertEquals(expected, PromQlMetrics.rules(yaml));
    }

    @Test
    void theLineReaderReadsInlineQuotedAndBlockExpressions() {
        String yaml = """
                groups:
                  - name: g
                    rules:
                      - record: a:b:c
                        expr: sum(x) # a comment
                      - alert: Quoted
                        expr: "y > 1"
                        for: 5m
                      - alert: Single
                        expr: 'z{a=''b''}'
                      - alert: Folded
                        expr: >-
                          u
                          > 2
                        labels: {severity: warning}
                """;
        assertEquals(List.of(new PromQlMetrics.Rule("a:b:c", true, "sum(x)"),
                new PromQlMetrics.Rule("Quoted", false, "y > 1"),
                new PromQlMetrics.Rule("Single", false, "z{a='b'}"),
                new PromQlMetrics.Rule("Folded", false, "u\n> 2")), PromQlMetrics.rules(yaml));
    }

    @Test
    void anExprWithoutARuleNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PromQlMetrics.rules("rules:\n  - expr: up\n"));
    }

    // --- one extractor, two copies -------------------------------------------------------------------------------

    @Test
    void theE2eCopyIsThisClass() throws Exception {
        assertTrue(Files.exists(E2E_COPY), E2E_COPY + " exists (MetricsContractIT uses it)");
        assertEquals(withoutPackage(THIS_COPY), withoutPackage(E2E_COPY),
                "deploy/e2e's PromQlMetrics.java must equal k8s's but for the package line: copy the changed one over");
    }

    private static String withoutPackage(Path file) throws Exception {
        return Files.readString(file, StandardCharsets.UTF_8).replaceFirst("(?m)^package [\\w.]+;\\s*", "");
    }
}
