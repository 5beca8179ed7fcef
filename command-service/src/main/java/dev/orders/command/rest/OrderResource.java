package dev.orders.command.rest;

import java.net.URI;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import dev.orders.command.service.WriteProblems;
import dev.orders.http.problem.ProblemException;
import dev.orders.http.problem.ProblemType;
import dev.orders.command.outbox.OutboxRelay;
import dev.orders.command.service.OrderService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Write API for orders. Thin: authenticates, delegates to {@link OrderService}, maps to HTTP. */
@Path("/orders")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class OrderResource {
    /** Lets a client read its own write: the read API answers from data at least this new. */
    public static final String CONSISTENCY_TOKEN = "Consistency-Token";

    private final OrderService orders;
    private final OutboxRelay relay;
    private final JsonWebToken caller;
    private final URI readApi;

    public OrderResource(OrderService orders, OutboxRelay relay, JsonWebToken caller,
            @ConfigProperty(name = "orders.read-api.base-url") URI readApi) {
        this.orders = orders;
        this.relay = relay;
        this.caller = caller;
        this.readApi = readApi;
    }

    @POST
    @RolesAllowed("customer")
    @Operation(summary = "Place an order for the calling customer")
    @APIResponse(responseCode = "201", description = "Created; Location points at the read API")
    @APIResponse(responseCode = "400", description = "Malformed or invalid body (problem+json)")
    @APIResponse(responseCode = "422", description = "Unknown product (problem+json)")
    public Uni<Response> create(@Valid @NotNull CreateOrderRequest request) {
        return orders.create(callerCustomerId(), request)
                .invoke(relay::nudge)
                .map(order -> Response.created(readApi.resolve("orders/" + order.id))
                        .tag(new EntityTag(Long.toString(order.version)))
                        .header(CONSISTENCY_TOKEN, order.id + ":" + order.version)
                        .entity(OrderResponse.of(order))
                        .build());
    }

    private UUID callerCustomerId() {
        try {
            return UUID.fromString(caller.getSubject());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.forbidden(WriteProblems.UNKNOWN_CUSTOMER,
                    "token subject is not a customer id");
        }
    }
}
