package dev.orders.projector.consumer;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.OrderEvent;
import dev.orders.events.OrderEventType;
import dev.orders.events.OrderIds;
import dev.orders.events.OrderState;
import dev.orders.events.OrderStatus;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

/**
 * Decodes a sample order event a few thousand times at start-up, on the main thread, before reactive messaging starts
 * the Kafka consumers (its start-up observer has priority {@code LIBRARY_BEFORE}). Why: a restarted projector with a
 * backlog decodes a whole poll (up to 500 records) on an event loop, and on a cold JVM, Jackson's deserializers still
 * being built and its code interpreted, that poll held the loop for over 2 s on a busy machine (Vert.x's blocked-thread
 * warning after the e2e ProjectorCrashIT's restart, BENCHMARKS.md session 42). Warm, a poll decodes in milliseconds.
 */
@Singleton
class DecoderWarmUp {
    /** Enough calls for the JIT's first compilation tier of the decoding path. */
    static final int ROUNDS = 2_000;
    private static final Logger LOG = Logger.getLogger(DecoderWarmUp.class);

    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE - 1) StartupEvent event,
            EventDecoder decoder, ObjectMapper json) {
        long started = System.nanoTime();
        int decoded = warmUp(decoder, json);
        LOG.debugf("decoder warmed up: %d of %d sample events decoded in %d ms", decoded, ROUNDS,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Decodes {@link #ROUNDS} times a sample three-line order event as the relay writes it; how many decoded. */
    static int warmUp(EventDecoder decoder, ObjectMapper json) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UUID id = OrderIds.newId(now);
        List<OrderState.OrderLine> lines = List.of(
                new OrderState.OrderLine(UUID.randomUUID(), "Keyboard", 1, 4_999),
                new OrderState.OrderLine(UUID.randomUUID(), "Mouse", 2, 1_999),
                new OrderState.OrderLine(UUID.randomUUID(), "Cable", 1, 499));
        OrderState state = new OrderState(id, UUID.randomUUID(), "Warm Up", "warm-up@example.com", OrderStatus.PENDING, 1,
                now, now, "EUR", 9_496, lines);
        byte[] value;
        try {
            value = json.writeValueAsBytes(OrderEvent.of(OrderEventType.OrderCreated, state, now));
        } catch (JsonProcessingException e) {
            LOG.warnf("decoder warm-up skipped: %s", e.toString());
            return 0;
        }
        String key = id.toString();
        int decoded = 0;
        for (int i = 0; i < ROUNDS; i++) {
            if (decoder.decode(key, value) instanceof EventDecoder.Decoded) {
                decoded++;
            }
        }
        return decoded;
    }
}
