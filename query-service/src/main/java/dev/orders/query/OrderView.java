package dev.orders.query;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An order as the read API returns it: the write API's order plus the customer's name and email. */
public record OrderView(UUID id, UUID customerId, String customerName, String customerEmail, String status,
        long version, Instant createdAt, Instant updatedAt, String currency, long totalCents, List<Line> items) {

    public record Line(UUID productId, String name, int quantity, long unitPriceCents) {
    }
}
