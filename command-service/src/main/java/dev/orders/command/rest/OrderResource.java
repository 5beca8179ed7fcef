package dev.orders.command.rest;

import java.net.URI;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import dev.orders.command.Order;
import dev.orders.command.OrderAction;
import dev.orders.command.idempotency.StoredResponse;
import dev.orders.command.service.OrderService;
import dev.orders.command.service.OrderService.Actor;
import dev.orders.command.service.WriteProblems;
import dev.orders.command.service.WriteDatabase;
import dev.orders.http.paging.RequestParams;
import dev.orders.http.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Write API for orders. Thin: authenticates, runs each POST as a retry-safe write ({@link WriteDatabase}) of an
 * {@link OrderService} use case, maps the result to HTTP.
 */
@Path("/orders")
@Produces(MediaType.APPLICATION_JSON)
public class OrderResource {
    /** Lets a client read its own write: the read API answers from data at least this new. */
    public static final String CONSISTENCY_TOKEN = "Consistency-Token";
    /** {@code "3"} (this API's ETag) or {@code "3.1742"} (the read API's: version.revision); the version counts. */
    private static final Pattern ETAG = Pattern.compile("^(?:W/)?\"?(\\d{1,18})(?:\\.\\d{1,19})?\"?$");

    private final OrderService orders;
    private final WriteDatabase writes;
    private final JsonWebToken caller;
    private final URI readApi;

    public OrderResource(OrderService orders, WriteDatabase writes, JsonWebToken caller,
            @ConfigProperty(name = "orders.read-api.base-url") URI readApi) {
        this.orders = orders;
        this.writes = writes;
        this.caller = caller;
        this.readApi = readApi;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("customer")
    @Operation(summary = "Place an order for the calling customer")
    @APIResponse(responseCode = "201", description = "Created; Location points at the read API")
    @APIResponse(responseCode = "400", description = "Malformed or invalid body (problem+json)")
    @APIResponse(responseCode = "409", description = "A request with the same Idempotency-Key is in flight")
    @APIResponse(responseCode = "422", description = "Unknown product, or Idempotency-Key reused for another body")
    public Uni<Response> create(@Valid @NotNull CreateOrderRequest request,
            @Parameter(description = "Retry-safe key (≤255 chars), scoped to the caller, kept 24 h")
            @HeaderParam("Idempotency-Key") String key) {
        UUID customer = callerCustomerId();
        request.checkItemCount();
        Function<Order, StoredResponse> render = order -> StoredResponse.of(201, OrderResponse.of(order), Map.of(
                "Location", readApi.resolve("orders/" + order.id).toString(),
                "ETag", etag(order),
                CONSISTENCY_TOKEN, order.id + ":" + order.version));
        return writes.idempotent(caller.getSubject(), key, "POST", "/orders", request,
                () -> orders.create(request.toCommand(customer)), render).map(StoredResponse::toResponse);
    }

    @POST
    @Path("{id}/pay")
    @RolesAllowed({ "customer", "ops" })
    @Operation(summary = "PENDING → PAID (the order's customer or ops)")
    public Uni<Response> pay(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        return transition(id, OrderAction.PAY, ifMatch, key);
    }

    @POST
    @Path("{id}/ship")
    @RolesAllowed("ops")
    @Operation(summary = "PAID → SHIPPED (ops)")
    public Uni<Response> ship(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        return transition(id, OrderAction.SHIP, ifMatch, key);
    }

    @POST
    @Path("{id}/deliver")
    @RolesAllowed("ops")
    @Operation(summary = "SHIPPED → DELIVERED (ops)")
    public Uni<Response> deliver(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        return transition(id, OrderAction.DELIVER, ifMatch, key);
    }

    @POST
    @Path("{id}/cancel")
    @RolesAllowed({ "customer", "ops" })
    @Operation(summary = "PENDING or PAID → CANCELLED (the order's customer or ops)")
    @APIResponse(responseCode = "409", description = "Illegal transition from the current state (problem+json)")
    @APIResponse(responseCode = "412", description = "If-Match names another version (problem+json)")
    public Uni<Response> cancel(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch,
            @HeaderParam("Idempotency-Key") String key) {
        return transition(id, OrderAction.CANCEL, ifMatch, key);
    }

    private Uni<Response> transition(String rawId, OrderAction action, String ifMatch, String key) {
        UUID id = RequestParams.uuid(rawId, "order id");
        Long expected = expectedVersion(ifMatch);
        Actor actor = actor();
        String path = "/orders/" + id + "/" + action.name().toLowerCase();
        Function<Order, StoredResponse> render = order -> StoredResponse.of(200, OrderResponse.of(order), Map.of(
                "ETag", etag(order), CONSISTENCY_TOKEN, order.id + ":" + order.version));
        return writes.idempotent(caller.getSubject(), key, "POST", path, ifMatch == null ? "" : ifMatch,
                () -> orders.transition(actor, id, action, expected), render).map(StoredResponse::toResponse);
    }

    private static String etag(Order order) {
        return "\"" + order.version + "\"";
    }

    /** {@code If-Match: "3"} (or W/"3", or *): the version the client last saw; null when absent or *. */
    static Long expectedVersion(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return null;
        }
        Matcher m = ETAG.matcher(ifMatch.trim());
        if (!m.matches()) {
            throw ProblemException.badRequest("If-Match must be the order's ETag, e.g. \"3\"");
        }
        return Long.parseLong(m.group(1));
    }

    private Actor actor() {
        boolean ops = caller.getGroups() != null && caller.getGroups().contains("ops");
        return new Actor(ops ? null : callerCustomerId(), ops);
    }

    private UUID callerCustomerId() {
        try {
            return UUID.fromString(caller.getSubject());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.forbidden(WriteProblems.UNKNOWN_CUSTOMER, "token subject is not a customer id");
        }
    }
}
