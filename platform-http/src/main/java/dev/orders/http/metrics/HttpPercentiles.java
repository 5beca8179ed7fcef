package dev.orders.http.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Publishes histogram buckets for every endpoint: p50/p95/p99 per endpoint, across pods, are
 * {@code histogram_quantile} over them (the dashboards and alerts read nothing else). No client-side percentiles as
 * well: they cannot be aggregated across pods, and keeping them (three rotating histograms per timer) was about half
 * of the metrics' share of a cached read's CPU.
 */
@Singleton
public class HttpPercentiles {

    @Produces
    @Singleton
    public MeterFilter httpPercentiles() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().startsWith("http.server.requests")) {
                    return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
                }
                return config;
            }
        };
    }
}
