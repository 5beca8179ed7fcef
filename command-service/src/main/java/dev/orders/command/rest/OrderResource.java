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
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.orders.command.Order;
import dev.orders.command.OrderAction;
import dev.orders.command.idempotency.IdempotencyService;
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
@Tag(name = "orders", description = "Place orders and move them through their lifecycle")
@Produces(MediaType.APPLICATION_JSON)
public class OrderResource {
    static final String IDEMPOTENCY_KEY_DOC = "Retry-safe key, scoped to the caller and kept 24 h: a retry with the "
            + "same key and body gets the first answer again";
    static final String IDEMPOTENCY_KEY_PATTERN = IdempotencyService.KEY_PATTERN;
    static final String IF_MATCH_DOC = "The ETag last seen (\"3\", or the read API's \"3.17\"): the action runs only "
            + "if the order is still at that version, else 412";
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
    @Operation(operationId = "createOrder", summary = "Place an order for the calling customer")
    @APIResponse(responseCode = "201", description = "Created; Location points at the read API",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = OrderResponse.class)),
            headers = {
                    @Header(name = "Location", description = "The order on the read API", schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "uri")),
                    @Header(name = "ETag", description = "The order's version, e.g. \"1\"; send it as If-Match",
                            schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING)),
                    @Header(name = CONSISTENCY_TOKEN, description = "<order id>:<version>: present it to the read "
                            + "API to read at least this version", schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING)) })
    @APIResponse(responseCode = "400", description = "Malformed or invalid body, or a malformed Idempotency-Key")
    @APIResponse(responseCode = "409", description = "A request with the same Idempotency-Key is in flight")
    @APIResponse(responseCode = "422", description = "Unknown or inactive product, mixed currencies, more than "
            + CreateOrderRequest.MAX_ITEMS + " lines, or an Idempotency-Key reused for another body")
    public Uni<Response> create(@Valid @NotNull CreateOrderRequest request,
            @Parameter(description = IDEMPOTENCY_KEY_DOC, schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, pattern = IDEMPOTENCY_KEY_PATTERN, maxLength = 128))
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
    @Operation(operationId = "payOrder", summary = "PENDING → PAID (the order's customer or ops)")
    @TransitionResponses
    public Uni<Response> pay(@PathParam("id") @Parameter(description = "Order id (UUID)") String id,
            @Parameter(description = IF_MATCH_DOC) @HeaderParam("If-Match") String ifMatch,
            @Parameter(description = IDEMPOTENCY_KEY_DOC, schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, pattern = IDEMPOTENCY_KEY_PATTERN, maxLength = 128))
            @HeaderParam("Idempotency-Key") String key) {
        return transition(id, OrderAction.PAY, ifMatch, key);
    }

    @POST
    @Path("{id}/ship")
    @RolesAllowed("ops")
    @Operation(operationId = "shipOrder", summary = "PAID → SHIPPED (ops)")
    @TransitionResponses
    public Uni<Response> ship(@PathParam("id") @Parameter(description = "Order id (UUID)") String id,
            @Parameter(description = IF_MATCH_DOC) @HeaderParam("If-Match") String ifMatch,
            @Parameter(description = IDEMPOTENCY_KEY_DOC, schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, pattern = IDEMPOTENCY_KEY_PATTERN, maxLength = 128))
            @HeaderParam("Idempotency-Key") String key) {
        return transition(id, OrderAction.SHIP, ifMatch, key);
    }

    @POST
    @Path("{id}/deliver")
    @RolesAllowed("ops")
    @Operation(operationId = "deliverOrder", summary = "SHIPPED → DELIVERED (ops)")
    @TransitionResponses
    public Uni<Response> deliver(@PathParam("id") @Parameter(description = "Order id (UUID)") String id,
            @Parameter(description = IF_MATCH_DOC) @HeaderParam("If-Match") String ifMatch,
            @Parameter(description = IDEMPOTENCY_KEY_DOC, schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, pattern = IDEMPOTENCY_KEY_PATTERN, maxLength = 128))
            @HeaderParam("Idempotency-Key") String key) {
        return transition(id, OrderAction.DELIVER, ifMatch, key);
    }

    @POST
    @Path("{id}/cancel")
    @RolesAllowed({ "customer", "ops" })
    @Operation(operationId = "cancelOrder", summary = "PENDING or PAID → CANCELLED (the order's customer or ops)")
    @TransitionResponses
    public Uni<Response> cancel(@PathParam("id") @Parameter(description = "Order id (UUID)") String id,
            @Parameter(description = IF_MATCH_DOC) @HeaderParam("If-Match") String ifMatch,
            @Parameter(description = IDEMPOTENCY_KEY_DOC, schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, pattern = IDEMPOTENCY_KEY_PATTERN, maxLength = 128))
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
