package dev.orders.command.rest;

import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dev.orders.command.service.PlaceOrder;
import dev.orders.command.service.WriteProblems;
import dev.orders.http.problem.ProblemException;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /orders}. The customer is the caller (JWT subject), never a body field. More than
 * {@link #MAX_ITEMS} lines is a well-formed request the business refuses (422, {@link #checkItemCount()}), not a
 * malformed one.
 */
@Schema(description = "An order for the calling customer: 1 to " + CreateOrderRequest.MAX_ITEMS
        + " lines (more: 422 too-many-items)")
public record CreateOrderRequest(
        @NotNull @Size(min = 1) @Schema(minItems = 1, maxItems = CreateOrderRequest.MAX_ITEMS)
        List<@NotNull @Valid Item> items) {

    public static final int MAX_ITEMS = PlaceOrder.MAX_LINES;
    public static final int MAX_QUANTITY = PlaceOrder.MAX_QUANTITY;

    /** 422 when the order has more lines than an order may hold (the body limit bounds what gets this far). */
    public CreateOrderRequest checkItemCount() {
        if (items.size() > MAX_ITEMS) {
            throw new ProblemException(422, WriteProblems.TOO_MANY_ITEMS,
                    "an order holds at most " + MAX_ITEMS + " lines; this one has " + items.size());
        }
        return this;
    }

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
