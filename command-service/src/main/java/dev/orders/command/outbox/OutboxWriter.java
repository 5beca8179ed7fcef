package dev.orders.command.outbox;

import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.command.Customer;
import dev.orders.command.Order;
import dev.orders.command.OutboxEvent;
import dev.orders.events.CatalogEvent;
import dev.orders.events.OrderEvent;
import dev.orders.events.OrderEventType;
import dev.orders.events.OrderState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Appends an event to the outbox inside the caller's transaction: the event exists if and only if the change
 * committed. Nothing here talks to Kafka (no dual write); {@link OutboxRelay} publishes later.
 */
@ApplicationScoped
public class OutboxWriter {
    private final ObjectMapper json;

    public OutboxWriter(ObjectMapper json) {
        this.json = json;
    }

    public Uni<OrderEvent> append(OrderEventType type, Order order, Customer customer) {
        OrderEvent event = OrderEvent.of(type, stateOf(order, customer), order.updatedAt);
        OutboxEvent row = new OutboxEvent();
        row.id = event.eventId();
        row.aggregateType = OrderEvent.AGGREGATE_TYPE;
        row.aggregateId = event.aggregateId().toString();
        row.type = type.name();
        row.schemaVersion = event.schemaVersion();
        row.occurredAt = event.occurredAt();
        try {
            row.payload = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot serialise event " + event.eventId(), e));
        }
        return row.persist().replaceWith(event);
    }

    /** Appends a customer or product change (topic catalog.events.v1) in the caller's transaction. */
    public Uni<CatalogEvent> append(CatalogEvent event) {
        OutboxEvent row = new OutboxEvent();
        row.id = event.eventId();
        row.aggregateType = event.aggregateType();
        row.aggregateId = event.aggregateId().toString();
        row.type = event.type().name();
        row.schemaVersion = event.schemaVersion();
        row.occurredAt = event.occurredAt();
        try {
            row.payload = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot serialise event " + event.eventId(), e));
        }
        return row.persist().replaceWith(event);
    }

    static OrderState stateOf(Order o, Customer c) {
        UUID customerId = o.customerId;
        return new OrderState(o.id, customerId, c.name, c.email, o.status, o.version, o.createdAt, o.updatedAt,
                o.currency, o.totalCents,
                o.items.stream()
                        .map(i -> new OrderState.OrderLine(i.productId, i.productName, i.quantity, i.unitPriceCents))
                        .toList());
    }
}
