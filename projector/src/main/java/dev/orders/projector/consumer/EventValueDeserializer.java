package dev.orders.projector.consumer;

import java.util.Map;

import org.apache.kafka.common.serialization.Deserializer;

import dev.orders.events.Topics;
import io.quarkus.arc.Arc;

/**
 * Decodes each record value inside the Kafka consumer's poll, on the connector's polling thread, so no event loop
 * parses JSON: on a cold JVM a poll's 500 records held an event loop over 2 s (BENCHMARKS.md session 42), and warm,
 * the polling thread decodes the next poll while the event loop applies the current batch. It never throws: what
 * does not decode becomes a {@link EventDecoder.Poison} that the consumer dead-letters with the record's bytes.
 *
 * <p>Kafka creates this class itself (by its name in the channel's {@code value.deserializer}), so it takes the
 * decoder from the CDI container rather than by injection.
 */
public class EventValueDeserializer implements Deserializer<EventValue> {
    private EventDecoder decoder;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        decoder = Arc.container().instance(EventDecoder.class).get();
        if (decoder == null) {
            throw new IllegalStateException("no EventDecoder bean to decode events with");
        }
    }

    @Override
    public EventValue deserialize(String topic, byte[] data) {
        return new EventValue(data,
                Topics.CATALOG_EVENTS.equals(topic) ? decoder.decodeCatalog(data) : decoder.decode(data));
    }
}
