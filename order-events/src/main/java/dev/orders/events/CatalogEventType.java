package dev.orders.events;

/** Changes of reference data owned by the write side. */
public enum CatalogEventType {
    CustomerCreated,
    CustomerUpdated,
    ProductCreated,
    ProductUpdated
}
