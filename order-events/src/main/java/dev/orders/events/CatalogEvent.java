package dev.orders.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Envelope of reference-data changes on {@link Topics#CATALOG_EVENTS}, keyed by the customer or product id. Exactly
 * one of {@code customer} / {@code product} is set, matching {@code type}; it holds the full state after the change,
 * and {@code aggregateVersion} orders changes of one entity (1 on creation, +1 per change), so consumers that show
 * names (the projector's order rows) apply them idempotently, as for orders.
 */
public record CatalogEvent(
        UUID eventId,
        CatalogEventType type,
        int schemaVersion,
        UUID aggregateId,
        long aggregateVersion,
        Instant occurredAt,
        CustomerState customer,
        ProductState product) {

    public static final int SCHEMA_VERSION = 1;

    public record CustomerState(UUID id, String name, String email, long version) {
    }

    public record ProductState(UUID id, String name, long priceCents, String currency, boolean active, long version) {
    }

    public static CatalogEvent of(CatalogEventType type, CustomerState c, Instant at) {
        return new CatalogEvent(OrderIds.newId(at), type, SCHEMA_VERSION, c.id(), c.version(), at, c, null);
    }

    public static CatalogEvent of(CatalogEventType type, ProductState p, Instant at) {
        return new CatalogEvent(OrderIds.newId(at), type, SCHEMA_VERSION, p.id(), p.version(), at, null, p);
    }

    /** Outbox {@code aggregatetype} of the entity this event is about. */
    public String aggregateType() {
        return customer != null ? "Customer" : "Product";
    }
}
