package dev.orders.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;

/** Which spans start a trace: API requests only; everything else follows its parent. */
class ApiRequestSamplerTest {
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    private static SamplingDecision decide(Sampler sampler, Context parent, SpanKind kind) {
        return sampler.shouldSample(parent, TRACE, "span", kind, Attributes.empty(), List.of()).getDecision();
    }

    private static Context parent(boolean sampled) {
        return Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(TRACE, "b7ad6b7169203331",
                sampled ? TraceFlags.getSampled() : TraceFlags.getDefault(), TraceState.getDefault())));
    }

    @Test
    void onlyAnApiRequestStartsATrace() {
        Sampler sampler = new ApiRequestSampler().sampler(1.0);
        assertEquals(SamplingDecision.RECORD_AND_SAMPLE, decide(sampler, Context.root(), SpanKind.SERVER));
        for (SpanKind background : List.of(SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER)) {
            assertEquals(SamplingDecision.DROP, decide(sampler, Context.root(), background),
                    background + " without a parent (a poll, a seeded event) starts no trace");
        }
    }

    @Test
    void everyOtherSpanFollowsItsParent() {
        Sampler sampler = new ApiRequestSampler().sampler(1.0);
        assertEquals(SamplingDecision.RECORD_AND_SAMPLE, decide(sampler, parent(true), SpanKind.CONSUMER),
                "a projector apply under a sampled write is recorded");
        assertEquals(SamplingDecision.DROP, decide(sampler, parent(false), SpanKind.CONSUMER));
        assertEquals(SamplingDecision.DROP, decide(sampler, parent(false), SpanKind.SERVER),
                "a caller that did not sample is followed, even at an API request");
    }

    @Test
    void theRatioAppliesToRequestRoots() {
        Sampler none = new ApiRequestSampler().sampler(0.0);
        assertEquals(SamplingDecision.DROP, decide(none, Context.root(), SpanKind.SERVER));
        assertEquals(SamplingDecision.RECORD_AND_SAMPLE, decide(none, parent(true), SpanKind.SERVER),
                "the ratio does not override a sampled parent");
    }
}
