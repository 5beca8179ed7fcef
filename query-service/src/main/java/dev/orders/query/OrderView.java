package dev.orders.query;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * An order as the read API returns it: the write API's order plus the customer's name and email. {@code revision} is
 * the read row's own counter (every write of the row, a customer rename too), which the caches compare and the ETag
 * carries; it is not part of the body.
 */
public record OrderView(UUID id, UUID customerId, String customerName, String customerEmail, String status,
        long version, Instant createdAt, Instant updatedAt, String currency, long totalCents, List<Line> items,
        @JsonIgnore long revision) {

    public record Line(UUID productId, String name, int quantity, long unitPriceCents) {
    }
}
