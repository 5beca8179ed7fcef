package dev.orders.query.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a list of orders is restricted to. {@code customerId} null means all customers (operators only);
 * {@code statuses} empty means any; {@code from} inclusive, {@code to} exclusive; {@code text} a lower-cased
 * contains-search term or null.
 */
public record OrderFilter(UUID customerId, List<String> statuses, Instant from, Instant to, String text) {

    /** Identifies the list a cursor belongs to: a cursor is only valid for the same filter. */
    public String scope() {
        return "orders|" + (customerId == null ? "*" : customerId) + "|" + String.join(",", statuses) + "|"
                + (from == null ? "" : from) + "|" + (to == null ? "" : to) + "|" + (text == null ? "" : text);
    }
}
