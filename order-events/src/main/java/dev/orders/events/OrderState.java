package dev.orders.events;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An order's full, denormalized state: everything the read model shows, so the projector never queries the write
 * database. Money is in minor units (cents) of {@code currency}.
 */
public record OrderState(
        UUID id,
        UUID customerId,
        String customerName,
        String customerEmail,
        OrderStatus status,
        long version,
        Instant createdAt,
        Instant updatedAt,
        String currency,
        long totalCents,
        List<OrderLine> items) {

    /** One line of an order, with the product's name and price captured at order time. */
    public record OrderLine(UUID productId, String name, int quantity, long unitPriceCents) {
    }
}
