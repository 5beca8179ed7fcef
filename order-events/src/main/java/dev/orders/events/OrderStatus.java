package dev.orders.events;

/** Lifecycle of an order; the write side enforces the legal transitions. */
public enum OrderStatus {
    PENDING,
    PAID,
    SHIPPED,
    DELIVERED,
    CANCELLED
}
