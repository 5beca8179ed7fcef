package dev.orders.events;

/** The kinds of order event. The payload shape is the same for all: the order's state after the change. */
public enum OrderEventType {
    OrderCreated,
    OrderPaid,
    OrderShipped,
    OrderDelivered,
    OrderCancelled
}
