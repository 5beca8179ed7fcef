package dev.orders.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, and the expressions of a Prometheus rule file, without a PromQL parser
 * or a YAML library: what the alerts and dashboards use, so a test can check that the services expose it.
 * <p>
 * A name is an identifier in selector position: not a function or aggregation (an identifier followed by
 * {@code (}), not a keyword or operator ({@code by}, {@code without}, {@code on}, {@code ignoring},
 * {@code group_left}, {@code and}, {@code offset}, …), not a label name (inside <code>{…}</code> or a grouping
 * clause's parentheses), not a duration or a number, not a Grafana variable ({@code $__rate_interval},
 * {@code ${datasource}}), not in a string or a comment. {@code {__name__="x"}} names {@code x}. Recording rules'
 * names ({@code level:metric:operation}) are names too: subtract what the rule file records.
 * <p>
 * <b>Two identical copies</b>, k8s/src/test/java/dev/orders/k8s/PromQlMetrics.java and
 * deploy/e2e/src/test/java/dev/orders/e2e/PromQlMetrics.java: only the package line differs, and the k8s module's
 * PromQlMetricsTest fails when they drift. A copy, because the two test modules share no code: neither depends on the
 * other (the k8s module's test classes are no artifact, and e2e runs only with -Pe2e against a running stack), and
 * test-support is a library the services' own tests use. Both read the rule file and the dashboards from the repo
 * itself, so they check the same files. Dependency-free on purpose: the k8s module has snakeyaml and Jackson 3, the
 * e2e module neither snakeyaml nor Jackson 3, so YAML is read here line by line ({@link #rules}), in the one layout
 * k8s/base/prometheusrule.yaml uses, and PromQlMetricsTest checks that this reading equals snakeyaml's.
 */
final class PromQlMetrics {

    /** Keywords and word operators of PromQL, compared in lower case. */
    static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "atan2", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan", "start", "end");

    private static final Pattern NAME_MATCHER = Pattern.compile("__name__\\s*=\\s*([\"'`])([^\"'`]*)\\1");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    private static final Pattern BRACES = Pattern.compile("\\{[^{}]*}");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");

    private PromQlMetrics() {
    }

    /** The metric names {@code expr} reads, sorted. */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher byName = NAME_MATCHER.matcher(expr);
        while (byName.find()) {
            names.add(byName.group(2));
        }
        String s = blankStringsAndComments(expr);
        s = GRAFANA_VARIABLE.matcher(s).replaceAll(" ");
        s = BRACES.matcher(s).replaceAll(" ");
        s = BRACKETS.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(s.charAt(i + 1)))) {
                // a number or a duration: 0.99, 1e3, 0x1f, 5m, 1h30m
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == '_')) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':')) {
                    i++;
                }
                String word = s.substring(start, i);
                int next = i;
                while (next < n && Character.isWhitespace(s.charAt(next))) {
                    next++;
                }
                boolean call = next < n && s.charAt(next) == '(';
                if (!call && !KEYWORDS.contains(word.toLowerCase(Locale.ROOT))) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    /** Strings become {@code ""} (label values, regexes, label_replace's arguments); comments (# …) go. */
    private static String blankStringsAndComments(String expr) {
        StringBuilder out = new StringBuilder(expr.length());
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                int j = i + 1;
                while (j < expr.length() && expr.charAt(j) != c) {
                    j += expr.charAt(j) == '\\' && c != '`' ? 2 : 1;
                }
                out.append("\"\"");
                i = j + 1;
            } else if (c == '#') {
                while (i < expr.length() && expr.charAt(i) != '\n') {
                    i++;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * The PromQL part of a Grafana template variable's query: the selector of {@code label_values(selector, label)},
     * the expression of {@code query_result(expr)}, nothing for {@code label_values(label)}, {@code label_names()}
     * or {@code metrics(regex)}, else the query itself.
     */
    static String templateQueryExpr(String query) {
        String q = query.strip();
        Matcher call = Pattern.compile("(?s)^(label_values|query_result|label_names|metrics)\\s*\\((.*)\\)$").matcher(q);
        if (!call.matches()) {
            return q;
        }
        String args = call.group(2);
        return switch (call.group(1)) {
            case "query_result" -> args;
            case "label_values" -> {
                int comma = lastTopLevelComma(args);
                yield comma < 0 ? "" : args.substring(0, comma);
            }
            default -> "";
        };
    }

    private static int lastTopLevelComma(String s) {
        int depth = 0;
        int last = -1;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                last = i;
            }
        }
        return last;
    }

    // --- rule files --------------------------------------------------------------------------------------------

    /** An alerting ({@code recording} false) or recording rule: its alert or record name and its expression. */
    record Rule(String name, boolean recording, String expr) {
    }

    private static final Pattern RULE_NAME = Pattern.compile("^\\s*(?:-\\s+)?(alert|record):\\s*(\\S.*?)\\s*$");
    private static final Pattern EXPR = Pattern.compile("^(\\s*)(-\\s+)?expr:\\s*(.*?)\\s*$");

    /**
     * The rules of a PrometheusRule manifest or a Prometheus rule file, read line by line: each rule's
     * {@code alert:} or {@code record:} line comes before its {@code expr:}, which is a plain or quoted scalar on its
     * line or a block scalar ({@code |}, {@code |-}, {@code >}, …) below it.
     */
    static List<Rule> rules(String yaml) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = yaml.split("\r?\n", -1);
        String name = null;
        boolean recording = false;
        for (int i = 0; i < lines.length; i++) {
            Matcher rule = RULE_NAME.matcher(lines[i]);
            if (rule.matches()) {
                name = scalar(rule.group(2));
                recording = rule.group(1).equals("record");
                continue;
            }
            Matcher expr = EXPR.matcher(lines[i]);
            if (!expr.matches()) {
                continue;
            }
            if (name == null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expr: before any alert: or record:");
            }
            int keyIndent = expr.group(1).length() + (expr.group(2) == null ? 0 : expr.group(2).length());
            String value = expr.group(3);
            String text;
            if (value.matches("[|>][-+]?")) {
                StringBuilder block = new StringBuilder();
                int blockIndent = -1;
                int j = i + 1;
                for (; j < lines.length; j++) {
                    String line = lines[j];
                    if (line.isBlank()) {
                        block.append('\n');
                        continue;
                    }
                    int indent = line.length() - line.stripLeading().length();
                    if (indent <= keyIndent) {
                        break;
                    }
                    if (blockIndent < 0) {
                        blockIndent = indent;
                    }
                    block.append(line.substring(Math.min(blockIndent, indent))).append('\n');
                }
                i = j - 1;
                text = block.toString().strip();
            } else {
                text = scalar(value);
            }
            rules.add(new Rule(name, recording, text));
            name = null;
        }
        return rules;
    }

    /** A one-line YAML scalar: double-quoted, single-quoted, or plain (a trailing " # comment" dropped). */
    private static String scalar(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        if (s.length() >= 2 && s.startsWith("'") && s.endsWith("'")) {
            return s.substring(1, s.length() - 1).replace("''", "'");
        }
        int comment = s.indexOf(" #");
        return (comment < 0 ? s : s.substring(0, comment)).strip();
    }
}
