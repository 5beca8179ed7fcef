package dev.orders.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Envelope of every message on {@link Topics#ORDER_EVENTS}. The Kafka key is {@code aggregateId}, so all events of
 * one order land on one partition in order.
 *
 * <p>{@code payload} is the order's complete state after the change: a consumer needs neither the write database nor
 * the previous events to apply it, and can apply events idempotently by keeping the highest
 * {@code aggregateVersion} it has seen.
 *
 * @param eventId          unique per event (UUIDv7); consumers may use it for de-duplication
 * @param type             one of {@link OrderEventType}
 * @param schemaVersion    version of this envelope + payload schema ({@link #SCHEMA_VERSION})
 * @param aggregateId      the order id
 * @param aggregateVersion the order's version after this event: 1 for creation, +1 per change
 * @param occurredAt       when the change was committed on the write side
 * @param customerId       the order's customer
 * @param payload          the order's full state after the change
 */
public record OrderEvent(
        UUID eventId,
        OrderEventType type,
        int schemaVersion,
        UUID aggregateId,
        long aggregateVersion,
        Instant occurredAt,
        UUID customerId,
        OrderState payload) {

    /** Bump on any incompatible change and document it in this module's README. */
    public static final int SCHEMA_VERSION = 1;

    /** Aggregate type, as written to the outbox's {@code aggregatetype} column (Debezium outbox router routing key). */
    public static final String AGGREGATE_TYPE = "Order";

    public static OrderEvent of(OrderEventType type, OrderState state, Instant occurredAt) {
        return new OrderEvent(OrderIds.newId(occurredAt), type, SCHEMA_VERSION, state.id(), state.version(),
                occurredAt, state.customerId(), state);
    }
}
