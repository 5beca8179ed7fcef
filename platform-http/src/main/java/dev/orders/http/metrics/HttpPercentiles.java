package dev.orders.http.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Publishes p50/p95/p99 (and histogram buckets, so they can be aggregated across pods) for every endpoint. */
@Singleton
public class HttpPercentiles {

    @Produces
    @Singleton
    public MeterFilter httpPercentiles() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().startsWith("http.server.requests")) {
                    return DistributionStatisticConfig.builder().percentiles(0.5, 0.95, 0.99)
                            .percentilesHistogram(true).build().merge(config);
                }
                return config;
            }
        };
    }
}
