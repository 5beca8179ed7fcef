package dev.orders.query.rest;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestResponse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import dev.orders.http.paging.PageLimit;
import dev.orders.http.paging.RequestParams;
import dev.orders.http.problem.ProblemException;
import dev.orders.query.ListedOrder;
import dev.orders.query.OrderView;
import dev.orders.query.repository.OrderFilter;
import dev.orders.query.repository.OrderViewReads.CustomerSummary;
import dev.orders.query.service.OrderQueryService;
import dev.orders.query.service.OrderQueryService.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

import io.vertx.core.http.HttpServerRequest;

/** Read API: thin mapping of {@link OrderQueryService} results to HTTP (ETag, 304, Link, staleness headers). */
@Path("/")
@Tag(name = "orders", description = "Read orders and customer summaries")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ "customer", "ops" })
public class OrderQueryResource {
    /** Returned by the write API: {@code <order id>:<version>}; a read presenting it gets at least that version. */
    public static final String CONSISTENCY_TOKEN = "Consistency-Token";
    static final Set<String> STATUSES = Set.of("PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED");
    static final int MAX_SEARCH = 100;
    /** A contains-search needs something the trigram index can narrow on: three letters or digits in a row. */
    static final java.util.regex.Pattern SEARCHABLE = java.util.regex.Pattern.compile("[\\p{L}\\p{N}]{3}");
    /** Dates outside this range are typos or probes, never orders. */
    static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");

    private final OrderQueryService orders;
    private final java.time.Duration maxSearchSpan;
    /** Writes a page once, straight to bytes: see {@link #page}. */
    private final ObjectWriter pageWriter;

    public OrderQueryResource(OrderQueryService orders,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "orders.search.max-span-without-customer",
                    defaultValue = "P31D") java.time.Duration maxSearchSpan,
            ObjectMapper json) {
        this.orders = orders;
        this.maxSearchSpan = maxSearchSpan;
        this.pageWriter = json.writerFor(OrderPage.class);
    }

    /** One page; its orders carry OrderView's fields (the contract names that schema). */
    public record OrderPage(@Schema(type = SchemaType.ARRAY, implementation = OrderView.class) List<ListedOrder> orders,
            String nextCursor) {
    }

    @GET
    @Path("orders/{id}")
    @Operation(operationId = "getOrder", summary = "One order, with customer fields. ETag \"<version>.<revision>\": the order's version and the "
            + "read row's revision (which a customer rename changes too); the write API's If-Match takes it as is")
    @APIResponse(responseCode = "200", description = "The order (header Warning: 110 when served stale)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = OrderView.class)),
            headers = {
                    @Header(name = "ETag", description = "\"<version>.<revision>\"", schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = "Warning", description = "110 when served stale (the read model was unreachable)",
                            schema = @Schema(type = SchemaType.STRING)) })
    @APIResponse(responseCode = "304", description = "Unchanged since the If-None-Match ETag",
            headers = @Header(name = "ETag", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "404", description = "No such order visible to the caller")
    @APIResponse(responseCode = "412", description = "If-Match names another version than the order's")
    @APIResponse(responseCode = "400", description = "Bad id, or a Consistency-Token that is not this order's or is "
            + "further ahead than any write")
    @APIResponse(responseCode = "503", description = "Not yet consistent with the presented token, databases down, "
            + "or the server at capacity (Retry-After)")
    public Uni<RestResponse<byte[]>> byId(@Parameter(description = "Order id (UUID)") @PathParam("id") String id,
            @Context Request request, @Context SecurityContext security,
            @Parameter(description = "From a write response (<order id>:<version>): read at least this version")
            @HeaderParam(CONSISTENCY_TOKEN) String token,
            @Parameter(description = "A previous ETag: 304 when the order is unchanged")
            @HeaderParam("If-None-Match") String ifNoneMatch) {
        UUID orderId = RequestParams.uuid(id, "order id");
        long minVersion = minVersion(token, orderId);
        return orders.byId(caller(security), orderId, minVersion).map(read -> {
            // version.revision: changes with the order and with its denormalized customer fields (a rename)
            EntityTag tag = new EntityTag(read.order().version() + "." + read.revision());
            Response.ResponseBuilder precondition = request.evaluatePreconditions(tag);
            // the JSON the cache serialized when the order entered it: a hit runs no serializer. Declared as byte[]
            // (not a Response), so RESTEasy picks its writer once at start-up instead of looking it up per request.
            RestResponse.ResponseBuilder<byte[]> ok = precondition != null
                    ? RestResponse.ResponseBuilder.create(precondition.build().getStatus())
                    : matchesWeakly(ifNoneMatch, tag) ? RestResponse.ResponseBuilder.create(Response.Status.NOT_MODIFIED)
                    : RestResponse.ResponseBuilder.ok(read.json(), MediaType.APPLICATION_JSON_TYPE);
            if (read.stale()) {
                ok.header("Warning", "110 - \"Response is Stale\"").header("X-Served-Stale", "true");
            }
            return ok.tag(tag).build();
        });
    }

    /**
     * Whether an If-None-Match list names {@code tag} weakly, as RFC 9110 (13.1.2) has If-None-Match compare: a
     * {@code W/} in front still matches. RESTEasy's {@code evaluatePreconditions} compares strongly, so the tag a
     * compressing proxy hands back (weakened) got the whole body again. Our tags hold no comma, so a split on commas
     * finds each of them.
     */
    static boolean matchesWeakly(String ifNoneMatch, EntityTag tag) {
        if (ifNoneMatch == null || ifNoneMatch.indexOf('"') < 0) {
            return false;
        }
        String opaque = "\"" + tag.getValue() + "\"";
        for (String listed : ifNoneMatch.split(",")) {
            String t = listed.strip();
            if ((t.startsWith("W/") ? t.substring(2) : t).equals(opaque)) {
                return true;
            }
        }
        return false;
    }

    @GET
    @Path("orders")
    @Operation(operationId = "listOrders",
            summary = "Orders newest first, keyset-paginated: the caller's, or (ops) any customer's or all. An operator "
            + "filtering all customers by status must bound createdFrom/createdTo (at most 31 days by default).")
    @PageResponses
    @APIResponse(responseCode = "400", description = "Bad limit, cursor or filter; an operator's status filter "
            + "without customerId and a bounded date range")
    public Uni<RestResponse<byte[]>> list(
            @Parameter(description = PageLimit.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100"))
            @QueryParam("limit") String limit,
            @Parameter(description = PageLimit.CURSOR_DOC) @QueryParam("cursor") String cursor,
            @Parameter(description = "Comma-separated statuses") @QueryParam("status") String status,
            @Parameter(description = "RFC 3339, inclusive") @QueryParam("createdFrom") String from,
            @Parameter(description = "RFC 3339, exclusive") @QueryParam("createdTo") String to,
            @Parameter(description = "ops only: one customer's orders") @QueryParam("customerId") String customerId,
            @Context HttpServerRequest request, @Context SecurityContext security) {
        OrderFilter filter = filter(caller(security), customerId, status, from, to, null);
        if (!filter.statuses().isEmpty() && filter.statuses().size() < STATUSES.size()) { // every status: no filter
            // the (created_at, id) walk keeps only the rows of those statuses: a rare one reads every partition
            requireBoundedAcrossCustomers(filter, "a status filter");
        }
        return page(filter, cursor, PageLimit.parse(limit), request);
    }

    /**
     * Across all customers (an operator without customerId), a filter whose cost grows with what it skips (a search
     * term, a status) reads at most {@code orders.search.max-span-without-customer} of orders: without it, a rare
     * term or status walked every partition until the statement's timeout, on the replica and then on the primary.
     */
    private void requireBoundedAcrossCustomers(OrderFilter filter, String what) {
        if (filter.customerId() == null && (filter.from() == null || filter.to() == null
                || java.time.Duration.between(filter.from(), filter.to()).compareTo(maxSearchSpan) > 0)) {
            throw ProblemException.badRequest(what + " across all customers needs customerId, or createdFrom and "
                    + "createdTo at most " + maxSearchSpan.toDays() + " days apart");
        }
    }

    @GET
    @Path("orders/search")
    @Operation(operationId = "searchOrders",
            summary = "Contains-search over customer name/email and item names (trigram index), newest first. "
            + "An operator searching all customers must bound createdFrom/createdTo (at most 31 days by default).")
    @APIResponse(responseCode = "400", description = "q without three letters or digits in a row, or too long; an "
            + "operator's search without customerId and a bounded date range")
    @PageResponses
    public Uni<RestResponse<byte[]>> search(
            @Parameter(description = "At least three letters or digits in a row, at most 100 characters")
            @QueryParam("q") String q,
            @Parameter(description = PageLimit.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100"))
            @QueryParam("limit") String limit,
            @Parameter(description = PageLimit.CURSOR_DOC) @QueryParam("cursor") String cursor,
            @Parameter(description = "ops only: one customer's orders") @QueryParam("customerId") String customerId,
            @Parameter(description = "RFC 3339, inclusive") @QueryParam("createdFrom") String from,
            @Parameter(description = "RFC 3339, exclusive") @QueryParam("createdTo") String to,
            @Context HttpServerRequest request, @Context SecurityContext security) {
        String term = q == null ? "" : q.strip().toLowerCase(java.util.Locale.ROOT);
        if (term.length() > MAX_SEARCH) {
            throw ProblemException.badRequest("q must be at most " + MAX_SEARCH + " characters");
        }
        if (!SEARCHABLE.matcher(term).find()) {
            throw ProblemException.badRequest("q must contain at least three letters or digits in a row");
        }
        OrderFilter filter = filter(caller(security), customerId, null, from, to, term);
        requireBoundedAcrossCustomers(filter, "a search");
        return page(filter, cursor, PageLimit.parse(limit), request);
    }

    @GET
    @Path("customers/{id}/summary")
    @Operation(operationId = "getCustomerSummary",
            summary = "A customer's order count, lifetime total (excluding cancelled) and last order time")
    public Uni<CustomerSummary> summary(@Parameter(description = "Customer id (UUID)") @PathParam("id") String id,
            @Context SecurityContext security) {
        return orders.summary(caller(security), RequestParams.uuid(id, "customer id"));
    }

    /**
     * The page as JSON bytes, written by a writer resolved once, and its Link built from the request line. Declared as
     * {@code byte[]}: RESTEasy picks its writer at start-up instead of looking one up for a {@code Response} entity on
     * every request, and the next link no longer parses the request URI into a {@code UriBuilder} (side by side in
     * BENCHMARKS.md, session 18).
     */
    private Uni<RestResponse<byte[]>> page(OrderFilter filter, String cursor, int n, HttpServerRequest request) {
        return orders.page(filter, cursor, n).map(page -> {
            byte[] body;
            try {
                body = pageWriter.writeValueAsBytes(new OrderPage(page.orders(), page.nextCursor()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("page not serializable", e);
            }
            RestResponse.ResponseBuilder<byte[]> ok = RestResponse.ResponseBuilder.ok(body, MediaType.APPLICATION_JSON_TYPE);
            if (page.nextCursor() != null) {
                ok.header("Link", "<" + nextPage(request, page.nextCursor(), n) + ">; rel=\"next\"");
            }
            return ok.build();
        });
    }

    /**
     * The request's absolute URI with {@code cursor} and {@code limit} set to the next page's and every other query
     * parameter kept as the client sent it. The cursor is base64url, safe in a query as is.
     */
    static String nextPage(HttpServerRequest request, String cursor, int limit) {
        StringBuilder uri = new StringBuilder(256).append(request.scheme()).append("://").append(request.authority())
                .append(request.path()).append('?');
        String query = request.query();
        if (query != null) {
            for (String param : query.split("&")) {
                if (!param.isEmpty() && !param.startsWith("cursor=") && !param.equals("cursor")
                        && !param.startsWith("limit=") && !param.equals("limit")) {
                    uri.append(param).append('&');
                }
            }
        }
        return uri.append("limit=").append(limit).append("&cursor=").append(cursor).toString();
    }

    private OrderFilter filter(Caller caller, String customerId, String status, String from, String to, String text) {
        UUID customer = caller.customerId();
        if (caller.ops()) {
            customer = customerId == null || customerId.isBlank() ? null : RequestParams.uuid(customerId, "customerId");
        } else if (customerId != null && !customerId.isBlank() && !RequestParams.uuid(customerId, "customerId").equals(customer)) {
            throw new ProblemException(403, dev.orders.http.problem.ProblemType.FORBIDDEN,
                    "customers can only list their own orders");
        }
        List<String> statuses = status == null || status.isBlank() ? List.of()
                : Arrays.stream(status.split(",")).map(String::strip).map(s -> s.toUpperCase(java.util.Locale.ROOT))
                        .distinct().sorted().toList();
        for (String s : statuses) {
            if (!STATUSES.contains(s)) {
                throw ProblemException.badRequest("status must be among " + STATUSES + ", got '" + s + "'");
            }
        }
        Instant f = instant(from, "createdFrom");
        Instant t = instant(to, "createdTo");
        if (f != null && t != null && !f.isBefore(t)) {
            throw ProblemException.badRequest("createdFrom must be before createdTo");
        }
        return new OrderFilter(customer, statuses, f, t, text);
    }

    /**
     * Who asks, from the request's own security context: the token smallrye-jwt verified, read once. (The injected
     * request-scoped {@code JsonWebToken} resolved its CDI proxy on every claim read: about 5 % of a cached read's CPU.)
     */
    private static Caller caller(SecurityContext security) {
        if (!(security.getUserPrincipal() instanceof JsonWebToken jwt)) {
            throw new io.quarkus.security.UnauthorizedException();
        }
        java.util.Set<String> groups = jwt.getGroups();
        boolean ops = groups != null && groups.contains("ops");
        String subject = jwt.getSubject();
        UUID customerId = null;
        try {
            customerId = subject == null ? null : UUID.fromString(subject);
        } catch (IllegalArgumentException e) {
            // not a customer id: only operators get anything
        }
        if (!ops && customerId == null) {
            throw new io.quarkus.security.ForbiddenException("token subject is not a customer id");
        }
        return new Caller(customerId, ops);
    }

    /** {@code <order id>:<version>}; the id must be the requested order's. 0 when absent. */
    static long minVersion(String token, UUID orderId) {
        if (token == null || token.isBlank()) {
            return 0;
        }
        int colon = token.lastIndexOf(':');
        try {
            if (colon > 0 && UUID.fromString(token.substring(0, colon)).equals(orderId)) {
                long v = Long.parseLong(token.substring(colon + 1));
                if (v >= 1) {
                    return v;
                }
            }
        } catch (IllegalArgumentException e) {
            // same message below
        }
        throw ProblemException.badRequest(CONSISTENCY_TOKEN + " must be '<this order id>:<version>'");
    }

    static Instant instant(String raw, String name) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        Instant t;
        try {
            t = java.time.OffsetDateTime.parse(raw.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest(name + " must be an RFC 3339 timestamp");
        }
        if (t.isBefore(EARLIEST) || !t.isBefore(LATEST)) {
            throw ProblemException.badRequest(name + " must be between " + EARLIEST + " and " + LATEST);
        }
        return t;
    }
}
