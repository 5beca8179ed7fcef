package dev.orders.http.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Request timers get p50/p95/p99 and histogram buckets; other timers are left as they are. */
class HttpPercentilesTest {

    @Test
    void httpServerRequestsGetPercentilesAndBuckets() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new HttpPercentiles().httpPercentiles());

        Timer requests = Timer.builder("http.server.requests").tag("uri", "/orders").register(registry);
        requests.record(java.time.Duration.ofMillis(5));
        HistogramSnapshot snapshot = requests.takeSnapshot();
        double[] published = java.util.Arrays.stream(snapshot.percentileValues()).mapToDouble(p -> p.percentile())
                .toArray();
        assertArrayEquals(new double[] { 0.5, 0.95, 0.99 }, published, 0.0);
        assertTrue(snapshot.histogramCounts().length > 0, "histogram buckets, so percentiles aggregate across pods");

        Timer other = Timer.builder("redis.commands").register(registry);
        other.record(java.time.Duration.ofMillis(5));
        assertTrue(other.takeSnapshot().percentileValues().length == 0, "other timers untouched");
    }
}
