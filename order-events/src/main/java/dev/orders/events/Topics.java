package dev.orders.events;

/** Kafka topic names shared by producers and consumers. */
public final class Topics {
    /** Order events, keyed by order id, several partitions. */
    public static final String ORDER_EVENTS = "orders.events.v1";
    /** Records the projector cannot decode or validate; the reason is in the record headers. */
    public static final String ORDER_EVENTS_DLQ = "orders.events.v1.dlq";

    private Topics() {
    }
}
