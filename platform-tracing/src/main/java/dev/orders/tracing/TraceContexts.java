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

    private final TextMapPropagator propagator;

    public TraceContexts(OpenTelemetry openTelemetry) {
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** The current span's context as propagation fields; empty when nothing is being traced. */
    public Map<String, String> current() {
        Map<String, String> fields = new LinkedHashMap<>(4);
        propagator.inject(Context.current(), fields, Map::put);
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

    /** The fields of {@code context} as Kafka headers. */
    public List<Header> asHeaders(Context context) {
        List<Header> headers = new ArrayList<>(2);
        propagator.inject(context, headers,
                (list, key, value) -> list.add(new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8))));
        return headers;
    }
}
