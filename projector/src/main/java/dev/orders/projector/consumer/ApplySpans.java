package dev.orders.projector.consumer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import dev.orders.tracing.TraceContexts;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * One "apply" span per record, child of the trace context its headers carry (the write request's, through the
 * outbox and the relay), from the start of the batch's transaction to its commit. A record whose write was not
 * sampled, or that carries no trace context (a seeded or replayed event), gets the invalid span: one built for it
 * would never be recorded (ApiRequestSampler follows the parent and starts no trace of its own), and building it
 * (parsing the headers, the sampler, the builder) took ~5 % of the projector's CPU in a catch-up's profile.
 */
@ApplicationScoped
public class ApplySpans {
    private final Tracer tracer;
    private final TraceContexts traces;

    public ApplySpans(Tracer tracer, TraceContexts traces) {
        this.tracer = tracer;
        this.traces = traces;
    }

    /** Started spans for these records; end them with {@link #end}. */
    public List<Span> start(List<? extends ConsumerRecord<String, ?>> records) {
        List<Span> spans = new ArrayList<>(records.size());
        for (ConsumerRecord<String, ?> r : records) {
            if (!traces.maySample(r.headers())) {
                spans.add(Span.getInvalid());
                continue;
            }
            Span span = tracer.spanBuilder("apply " + r.topic())
                    .setParent(traces.fromHeaders(r.headers()))
                    .setSpanKind(SpanKind.CONSUMER)
                    .startSpan();
            if (span.isRecording()) {
                span.setAttribute("messaging.system", "kafka");
                span.setAttribute("messaging.operation.type", "process");
                span.setAttribute("messaging.destination.name", r.topic());
                span.setAttribute("messaging.destination.partition.id", String.valueOf(r.partition()));
                span.setAttribute("messaging.kafka.offset", r.offset());
                Header type = r.headers().lastHeader("type");
                if (type != null) {
                    span.setAttribute("orders.event_type", new String(type.value(), StandardCharsets.UTF_8));
                }
                if (r.key() != null) {
                    span.setAttribute("messaging.kafka.message.key", r.key());
                    span.setAttribute("orders.aggregate_id", r.key());
                }
                span.setAttribute("orders.batch_size", records.size());
            }
            spans.add(span);
        }
        return spans;
    }

    /** Ends the spans: the batch committed ({@code failure} null) or failed. */
    public static void end(List<Span> spans, Throwable failure) {
        for (Span span : spans) {
            if (failure != null && span.isRecording()) {
                span.recordException(failure);
                span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
            }
            span.end();
        }
    }
}
