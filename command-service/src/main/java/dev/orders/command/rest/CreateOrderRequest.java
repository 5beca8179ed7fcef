package dev.orders.command.rest;

import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Body of {@code POST /orders}. The customer is the caller (JWT subject), never a body field. */
public record CreateOrderRequest(
        @NotNull @Size(min = 1, max = CreateOrderRequest.MAX_ITEMS) List<@NotNull @Valid Item> items) {

    public static final int MAX_ITEMS = 100;
    public static final int MAX_QUANTITY = 1000;

    public record Item(
            @NotNull @Schema(example = "a0000000-0000-4000-8000-000000000001") UUID productId,
            @NotNull @Min(1) @Max(MAX_QUANTITY) @Schema(example = "2") Integer quantity) {
    }
}
