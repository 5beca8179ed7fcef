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
import dev.orders.tracing.TraceContexts;
import io.opentelemetry.api.trace.Span;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Appends an event to the outbox inside the caller's transaction: the event exists if and only if the change
 * committed. Nothing here talks to Kafka (no dual write); {@link OutboxRelay} publishes later.
 */
@ApplicationScoped
public class OutboxWriter {
    private final ObjectMapper json;
    private final TraceContexts traces;

    public OutboxWriter(ObjectMapper json, TraceContexts traces) {
        this.json = json;
        this.traces = traces;
    }

    public Uni<OrderEvent> append(OrderEventType type, Order order, Customer customer) {
        OrderEvent event = OrderEvent.of(type, stateOf(order, customer), order.updatedAt);
        return persist(event.eventId(), OrderEvent.AGGREGATE_TYPE, event.aggregateId(), type.name(),
                event.schemaVersion(), event.occurredAt(), event).replaceWith(event);
    }

    /** Appends a customer or product change (topic catalog.events.v1) in the caller's transaction. */
    public Uni<CatalogEvent> append(CatalogEvent event) {
        return persist(event.eventId(), event.aggregateType(), event.aggregateId(), event.type().name(),
                event.schemaVersion(), event.occurredAt(), event).replaceWith(event);
    }

    private Uni<Void> persist(UUID eventId, String aggregateType, UUID aggregateId, String type, int schemaVersion,
            java.time.Instant occurredAt, Object event) {
        OutboxEvent row = new OutboxEvent();
        row.id = eventId;
        row.aggregateType = aggregateType;
        row.aggregateId = aggregateId.toString();
        row.type = type;
        row.schemaVersion = schemaVersion;
        row.occurredAt = occurredAt;
        // The request's trace continues through the relay and the projector; its span is findable by the aggregate's
        // id (deploy/local/trace <order-id>).
        Span.current().setAttribute("orders." + aggregateType.toLowerCase(java.util.Locale.ROOT) + "_id",
                row.aggregateId);
        // pinned by WriteDatabase: a write that outlives its request (answered 503 at its deadline) keeps its trace
        var traceContext = traces.currentOrPinned();
        try {
            row.traceContext = traceContext.isEmpty() ? null : json.writeValueAsString(traceContext);
            row.payload = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot serialise event " + eventId, e));
        }
        return row.persist().replaceWithVoid();
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
