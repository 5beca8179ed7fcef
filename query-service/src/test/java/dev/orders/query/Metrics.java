package dev.orders.query;

import static io.restassured.RestAssured.given;

import java.util.Arrays;

import org.eclipse.microprofile.config.ConfigProvider;

/** Reads this test instance's Prometheus metrics ({@code /q/metrics} on its management interface). */
public final class Metrics {
    /**
     * The classic Prometheus text format: one value per line, last. The default answer is OpenMetrics, whose counter
     * and histogram lines may end with an exemplar ({@code # {trace_id=...} 1.0 <timestamp>}).
     */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";
    private Metrics() {
    }

    /** {@code path} (e.g. {@code /q/metrics}) on this test instance's management interface (a free port in tests). */
    public static String management(String path) {
        return "http://localhost:" + ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class)
                + path;
    }

    /** The sum of every series named {@code name} whose labels include all of {@code labels} (e.g. {@code a="b"}). */
    public static double sum(String name, String... labels) {
        return given().accept(PROMETHEUS_TEXT).get(management("/q/metrics")).then().statusCode(200).extract().asString().lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .filter(l -> Arrays.stream(labels).allMatch(l::contains))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Whether the metric family {@code name} is declared (its {@code # TYPE} line), with or without series yet. */
    public static boolean exported(String name) {
        return given().accept(PROMETHEUS_TEXT).get(management("/q/metrics")).then().statusCode(200).extract().asString().contains(name);
    }
}
