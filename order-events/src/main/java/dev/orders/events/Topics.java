package dev.orders.events;

/** Kafka topic names shared by producers and consumers. */
public final class Topics {
    /** Order events, keyed by order id, several partitions. */
    public static final String ORDER_EVENTS = "orders.events.v1";
    /** Customer and product changes ({@link CatalogEvent}), keyed by the entity id. */
    public static final String CATALOG_EVENTS = "catalog.events.v1";
    /** Records the projector cannot decode or validate; the reason is in the record headers. */
    public static final String ORDER_EVENTS_DLQ = "orders.events.v1.dlq";

    /** The topic for an outbox row's {@code aggregatetype}, as Debezium's router would route it. */
    public static String forAggregateType(String aggregateType) {
        return OrderEvent.AGGREGATE_TYPE.equals(aggregateType) ? ORDER_EVENTS : CATALOG_EVENTS;
    }

    private Topics() {
    }
}
