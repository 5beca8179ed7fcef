package dev.orders.query;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * An order as a page lists it: the same JSON as {@link OrderView}, with its items passed through as the read model
 * stores them. A page serves up to 100 orders that no cache holds; decoding each one's items into objects only to
 * encode them again was the largest single cost of a page (12 % of its CPU samples). The projector writes the items
 * from a typed line ({@code OrderState.OrderLine}, whose fields ListedOrderTest holds equal to {@link OrderView.Line}'s),
 * into a jsonb column, so the text is always one valid JSON array, which {@link RawJsonSerializer} writes out as it
 * is.
 */
public record ListedOrder(UUID id, UUID customerId, String customerName, String customerEmail, String status,
        long version, Instant createdAt, Instant updatedAt, String currency, long totalCents,
        @JsonSerialize(using = RawJsonSerializer.class) String items) {
}
