package dev.orders.tracing;

import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Which traces are recorded: a trace starts only at an API request (a SERVER span), for a share of them
 * ({@code orders.tracing.sample-ratio}); every other span follows its parent's decision. Background work that has no
 * caller (the relay's poll, the projector's heartbeat, a replayed or seeded event without a trace context) therefore
 * starts no trace of its own: at catch-up rates that would be a root span per event, and nobody asked for it. Quarkus
 * uses the first {@link Sampler} bean instead of {@code quarkus.otel.traces.sampler} (and still drops the management
 * interface's {@code /q/*} requests).
 */
@Singleton
public class ApiRequestSampler {

    @Produces
    @Singleton
    @Unremovable
    Sampler sampler(@ConfigProperty(name = "orders.tracing.sample-ratio", defaultValue = "1.0") double ratio) {
        return Sampler.parentBased(new ApiRequestRoots(Sampler.traceIdRatioBased(ratio)));
    }

    /** The root sampler: API requests at the configured ratio, nothing else. */
    static final class ApiRequestRoots implements Sampler {
        private final Sampler requests;

        ApiRequestRoots(Sampler requests) {
            this.requests = requests;
        }

        @Override
        public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                Attributes attributes, List<LinkData> parentLinks) {
            return spanKind == SpanKind.SERVER
                    ? requests.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks)
                    : SamplingResult.drop();
        }

        @Override
        public String getDescription() {
            return "ApiRequestRoots{" + requests.getDescription() + "}";
        }
    }
}
