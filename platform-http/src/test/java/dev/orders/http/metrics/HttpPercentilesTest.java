package dev.orders.http.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Request timers get histogram buckets (percentiles come from them, across pods); other timers are left alone. */
class HttpPercentilesTest {
    private final MeterFilter filter = new HttpPercentiles().httpPercentiles();

    private static Meter.Id id(String name) {
        return new Meter.Id(name, Tags.of("uri", "/orders"), null, null, Meter.Type.TIMER);
    }

    @Test
    void httpServerRequestsGetBucketsAndNoClientSidePercentiles() {
        DistributionStatisticConfig config = filter.configure(id("http.server.requests"),
                DistributionStatisticConfig.DEFAULT);
        assertTrue(config.isPercentileHistogram(), "buckets, so percentiles can be aggregated across pods");
        assertTrue(config.getPercentiles() == null || config.getPercentiles().length == 0, "no client-side percentiles");

        // and a registry with the filter computes no percentiles (the buckets are Prometheus's: a simple registry has none)
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(filter);
        Timer requests = Timer.builder("http.server.requests").tag("uri", "/orders").register(registry);
        requests.record(Duration.ofMillis(5));
        assertEquals(0, requests.takeSnapshot().percentileValues().length);
    }

    @Test
    void otherTimersAreLeftAlone() {
        DistributionStatisticConfig config = filter.configure(id("redis.commands"), DistributionStatisticConfig.DEFAULT);
        assertSame(DistributionStatisticConfig.DEFAULT, config);
        assertTrue(config.getPercentiles() == null || Arrays.stream(config.getPercentiles()).count() == 0);
    }
}
