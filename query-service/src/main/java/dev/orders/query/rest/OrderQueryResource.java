package dev.orders.query.rest;

import java.util.UUID;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import dev.orders.http.paging.PageLimit;
import dev.orders.http.problem.ProblemException;
import dev.orders.query.OrderView;
import dev.orders.query.service.OrderQueryService;
import dev.orders.query.service.OrderQueryService.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Link;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** Read API for orders: thin mapping of {@link OrderQueryService} results to HTTP (ETag, 304, Link). */
@Path("/orders")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ "customer", "ops" })
public class OrderQueryResource {
    private final OrderQueryService orders;
    private final JsonWebToken jwt;

    public OrderQueryResource(OrderQueryService orders, JsonWebToken jwt) {
        this.orders = orders;
        this.jwt = jwt;
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One order, with customer fields; ETag is the order version")
    @APIResponse(responseCode = "200", description = "The order")
    @APIResponse(responseCode = "304", description = "Unchanged since the If-None-Match version")
    @APIResponse(responseCode = "404", description = "No such order visible to the caller (problem+json)")
    public Uni<Response> byId(@PathParam("id") String id, @Context Request request) {
        UUID orderId = parseId(id);
        return orders.byId(caller(), orderId).map(order -> {
            EntityTag tag = new EntityTag(Long.toString(order.version()));
            Response.ResponseBuilder notModified = request.evaluatePreconditions(tag);
            return (notModified != null ? notModified : Response.ok(order)).tag(tag).build();
        });
    }

    public record OrderPage(java.util.List<OrderView> orders, String nextCursor) {
    }

    @GET
    @Operation(summary = "The caller's orders (all orders for ops), newest first, keyset-paginated")
    @APIResponse(responseCode = "400", description = "Bad limit or cursor (problem+json)")
    public Uni<Response> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor,
            @Context UriInfo uri) {
        int n = PageLimit.parse(limit);
        return orders.page(caller(), cursor, n).map(page -> {
            Response.ResponseBuilder ok = Response.ok(new OrderPage(page.orders(), page.nextCursor()));
            if (page.nextCursor() != null) {
                ok.links(Link.fromUri(uri.getRequestUriBuilder().replaceQueryParam("cursor", page.nextCursor())
                        .replaceQueryParam("limit", n).build()).rel("next").build());
            }
            return ok.build();
        });
    }

    private Caller caller() {
        boolean ops = jwt.getGroups() != null && jwt.getGroups().contains("ops");
        UUID customerId = null;
        try {
            customerId = jwt.getSubject() == null ? null : UUID.fromString(jwt.getSubject());
        } catch (IllegalArgumentException e) {
            // not a customer id: only operators get anything
        }
        if (!ops && customerId == null) {
            throw new io.quarkus.security.ForbiddenException("token subject is not a customer id");
        }
        return new Caller(customerId, ops);
    }

    static UUID parseId(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("order id must be a UUID, got '" + raw + "'");
        }
    }
}
