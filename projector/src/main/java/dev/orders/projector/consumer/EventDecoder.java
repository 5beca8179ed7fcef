package dev.orders.projector.consumer;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.CatalogEvent;
import dev.orders.events.OrderEvent;
import dev.orders.projector.ProjectorConfig;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns a record value into an {@link OrderEvent}, or explains why it is poison. Only what can never succeed on
 * retry is poison (bad JSON, unknown schema version, inconsistent envelope); database trouble is not decided here.
 * It runs in the Kafka consumer's poll ({@link EventValueDeserializer}), not on an event loop; the record key, which a
 * value deserializer does not see, is checked by {@link #keyed} in the consumer, and so is a record without a value,
 * which Kafka hands over without calling the deserializer.
 */
@ApplicationScoped
@Unremovable // looked up by EventValueDeserializer, which Kafka creates: no injection point keeps this bean
public class EventDecoder {
    private final ObjectMapper json;
    private final Duration acceptPast;
    private final Duration acceptFuture;

    public EventDecoder(ObjectMapper json, ProjectorConfig config) {
        this.json = json;
        this.acceptPast = config.acceptPast();
        this.acceptFuture = config.acceptFuture();
    }

    public sealed interface Result permits Decoded, DecodedCatalog, Poison {
    }

    public record Decoded(OrderEvent event) implements Result {
    }

    public record DecodedCatalog(CatalogEvent event) implements Result {
    }

    public record Poison(String reason) implements Result {
    }

    /** The result for an order event's value; see {@link #keyed} for its record key. */
    public Result decode(byte[] value) {
        OrderEvent e;
        try {
            e = json.readValue(value, OrderEvent.class);
        } catch (Exception ex) {
            return new Poison("undecodable: " + ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage()));
        }
        if (e.schemaVersion() != OrderEvent.SCHEMA_VERSION) {
            return new Poison("unsupported schemaVersion " + e.schemaVersion());
        }
        var p = e.payload();
        if (e.type() == null || e.aggregateId() == null || p == null || p.id() == null || p.createdAt() == null
                || p.updatedAt() == null || p.customerId() == null || p.status() == null || p.items() == null
                || p.currency() == null || p.customerName() == null || p.customerEmail() == null) {
            return new Poison("missing required field");
        }
        if (!e.aggregateId().equals(p.id()) || e.aggregateVersion() != p.version() || e.aggregateVersion() < 1) {
            return new Poison("envelope and payload disagree on id or version");
        }
        // The creation date picks the read model's partition: a wild one would create a partition for it.
        Instant now = Instant.now();
        if (p.createdAt().isBefore(now.minus(acceptPast)) || p.createdAt().isAfter(now.plus(acceptFuture))) {
            return new Poison("createdAt " + p.createdAt() + " is outside the accepted window (" + acceptPast.toDays()
                    + " days back, " + acceptFuture.toHours() + " hours ahead)");
        }
        return new Decoded(e);
    }

    public Result decodeCatalog(byte[] value) {
        CatalogEvent e;
        try {
            e = json.readValue(value, CatalogEvent.class);
        } catch (Exception ex) {
            return new Poison("undecodable: " + ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage()));
        }
        if (e.schemaVersion() != CatalogEvent.SCHEMA_VERSION) {
            return new Poison("unsupported schemaVersion " + e.schemaVersion());
        }
        if (e.type() == null || e.aggregateId() == null || (e.customer() == null) == (e.product() == null)) {
            return new Poison("catalog event must carry exactly one of customer, product");
        }
        var c = e.customer();
        if (c != null && (c.name() == null || c.email() == null || !e.aggregateId().equals(c.id())
                || c.version() != e.aggregateVersion())) {
            return new Poison("customer state disagrees with the envelope or misses fields");
        }
        return new DecodedCatalog(e);
    }

    /** {@code result}, or poison when it is an order event whose record key is not its aggregate id. */
    public static Result keyed(String key, Result result) {
        if (key != null && result instanceof Decoded d && !key.equals(d.event().aggregateId().toString())) {
            return new Poison("record key " + key + " is not the aggregate id");
        }
        return result;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
