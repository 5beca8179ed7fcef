package dev.orders.tracing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The W3C trace context ({@code traceparent}, {@code tracestate}) across the asynchronous hop: captured when the
 * outbox row is written, stored with it, sent by the relay as Kafka headers, and continued by the projector. The
 * configured propagator (W3C by default) does the encoding; this class only moves its fields between a request's
 * context, an outbox column (a flat map) and Kafka headers.
 */
@ApplicationScoped
public class TraceContexts {
    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    private static final TextMapGetter<Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            List<String> keys = new ArrayList<>();
            carrier.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers carrier, String key) {
            Header h = carrier == null ? null : carrier.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private static final String TRACEPARENT = "traceparent";
    private static final String PINNED = TraceContexts.class.getName() + ".pinned";
    /** {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}; later versions keep this prefix. */
    private static final int TRACEPARENT_LENGTH = 55;

    private final TextMapPropagator propagator;
    private final boolean w3c;

    public TraceContexts(OpenTelemetry openTelemetry) {
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.w3c = propagator.fields().contains(TRACEPARENT);
    }

    /** The current span's context as propagation fields; empty when nothing is being traced. */
    public Map<String, String> current() {
        Map<String, String> fields = new LinkedHashMap<>(4);
        propagator.inject(Context.current(), fields, Map::put);
        return fields;
    }

    /**
     * Keeps the current trace context on the current Vert.x context (a request's duplicated context), for work of
     * the request that may outlive it: once the request is answered, a 503 for its deadline while its write goes
     * on, the tracer detaches the request's context from the Vert.x context, and {@link #current} finds nothing.
     * Keeps the context itself: its fields are encoded only if {@link #currentOrPinned} ever needs them.
     */
    public void pin() {
        if (VertxContext.isOnDuplicatedContext()) {
            ContextLocals.put(PINNED, Context.current());
        }
    }

    /** {@link #current}, else what {@link #pin} kept on this Vert.x context; empty when neither has a context. */
    public Map<String, String> currentOrPinned() {
        Map<String, String> fields = current();
        if (fields.isEmpty() && VertxContext.isOnDuplicatedContext()) {
            ContextLocals.<Context> get(PINNED).ifPresent(pinned -> propagator.inject(pinned, fields, Map::put));
        }
        return fields;
    }

    /** The context these fields carry, on an empty root: not the caller's current context (a relay's poll). */
    public Context fromFields(Map<String, String> fields) {
        return fields == null || fields.isEmpty() ? Context.root() : propagator.extract(Context.root(), fields, MAP);
    }

    /** The context a Kafka record's headers carry, on an empty root. */
    public Context fromHeaders(Headers headers) {
        return propagator.extract(Context.root(), headers, HEADERS);
    }

    /**
     * Whether a span continued from these headers can be recorded: false only when they carry no W3C trace context,
     * or one whose caller did not sample it. Such a span is never recorded ({@link ApiRequestSampler} follows the
     * parent and starts no trace of its own for background work), so a consumer applying thousands of events a
     * second need not build one: this reads the flags from the header's bytes, without the propagator. Always true
     * with another propagator, whose headers it does not read.
     */
    public boolean maySample(Headers headers) {
        if (!w3c) {
            return true;
        }
        Header h = headers == null ? null : headers.lastHeader(TRACEPARENT);
        byte[] v = h == null ? null : h.value();
        if (v == null || v.length < TRACEPARENT_LENGTH || v[2] != '-' || v[35] != '-' || v[52] != '-') {
            return false; // the propagator would not extract a parent from it either: a root, dropped
        }
        int flags = Character.digit(v[54], 16);
        return flags >= 0 && (flags & 1) == 1;
    }

    /** The fields of {@code context} as Kafka headers. */
    public List<Header> asHeaders(Context context) {
        List<Header> headers = new ArrayList<>(2);
        propagator.inject(context, headers,
                (list, key, value) -> list.add(new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8))));
        return headers;
    }
}
