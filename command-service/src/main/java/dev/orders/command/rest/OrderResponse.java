package dev.orders.command.rest;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.orders.command.Order;
import dev.orders.events.OrderStatus;

/** An order as the write API returns it (the read API adds customer fields). */
public record OrderResponse(UUID id, UUID customerId, OrderStatus status, long version, Instant createdAt,
        String currency, long totalCents, List<Line> items) {

    public record Line(UUID productId, String name, int quantity, long unitPriceCents) {
    }

    public static OrderResponse of(Order o) {
        return new OrderResponse(o.id, o.customerId, o.status, o.version, o.createdAt, o.currency, o.totalCents,
                o.items.stream().map(i -> new Line(i.productId, i.productName, i.quantity, i.unitPriceCents)).toList());
    }
}
