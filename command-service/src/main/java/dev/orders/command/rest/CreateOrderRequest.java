package dev.orders.command.rest;

import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dev.orders.command.service.PlaceOrder;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Body of {@code POST /orders}. The customer is the caller (JWT subject), never a body field. */
public record CreateOrderRequest(
        @NotNull @Size(min = 1, max = CreateOrderRequest.MAX_ITEMS) List<@NotNull @Valid Item> items) {

    public static final int MAX_ITEMS = PlaceOrder.MAX_LINES;
    public static final int MAX_QUANTITY = PlaceOrder.MAX_QUANTITY;

    /** The command for the calling customer (validation has run: no null lines or quantities). */
    public PlaceOrder toCommand(UUID customerId) {
        return new PlaceOrder(customerId,
                items.stream().map(i -> new PlaceOrder.Line(i.productId(), i.quantity())).toList());
    }

    public record Item(
            @NotNull @Schema(example = "a0000000-0000-4000-8000-000000000001") UUID productId,
            @NotNull @Min(1) @Max(MAX_QUANTITY) @Schema(example = "2") Integer quantity) {
    }
}
