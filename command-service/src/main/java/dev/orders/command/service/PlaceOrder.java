package dev.orders.command.service;

import java.util.List;
import java.util.UUID;

/** The command to place an order: who orders, and which products how many times (lines may repeat a product). */
public record PlaceOrder(UUID customerId, List<Line> lines) {
    /** At most this many lines per order. */
    public static final int MAX_LINES = 100;
    /** At most this many of one product per order, after lines naming the same product are merged. */
    public static final int MAX_QUANTITY = 1000;

    public record Line(UUID productId, int quantity) {
    }
}
