package dev.orders.command.rest;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.orders.command.Customer;
import dev.orders.command.Product;
import dev.orders.command.idempotency.StoredResponse;
import dev.orders.command.service.CatalogService;
import dev.orders.command.service.WriteDatabase;
import dev.orders.http.paging.PageLimit;
import dev.orders.http.paging.RequestParams;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Reference data: products for every authenticated caller, customers for operators only; operators create and
 * change both (each change is announced on catalog.events.v1 through the outbox).
 */
@Path("/")
@Tag(name = "catalog", description = "Products and customers")
@Produces(MediaType.APPLICATION_JSON)
public class CatalogResource {
    private final CatalogService catalog;
    private final WriteDatabase writes;
    private final JsonWebToken caller;

    public CatalogResource(CatalogService catalog, WriteDatabase writes, JsonWebToken caller) {
        this.catalog = catalog;
        this.writes = writes;
        this.caller = caller;
    }

    public record ProductView(UUID id, String name, long priceCents, String currency) {
        static ProductView of(Product p) {
            return new ProductView(p.id, p.name, p.priceCents, p.currency);
        }
    }

    public record ProductPage(List<ProductView> products, String nextCursor) {
    }

    public record CustomerView(UUID id, String name, String email) {
        static CustomerView of(Customer c) {
            return new CustomerView(c.id, c.name, c.email);
        }
    }

    public record CustomerPage(List<CustomerView> customers, String nextCursor) {
    }

    @GET
    @Path("products")
    @Authenticated
    @Operation(operationId = "listProducts", summary = "List active products, keyset-paginated by id")
    public Uni<ProductPage> products(@Parameter(description = PageLimit.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) @QueryParam("limit") String limit,
            @Parameter(description = PageLimit.CURSOR_DOC) @QueryParam("cursor") String cursor) {
        int n = PageLimit.parse(limit);
        return writes.read(() -> catalog.products(Paging.after(cursor), n)).map(list -> new ProductPage(
                list.stream().map(ProductView::of).toList(),
                Paging.next(list.isEmpty() ? null : list.get(list.size() - 1).id, list.size(), n)));
    }

    @GET
    @Path("customers")
    @RolesAllowed("ops")
    @Operation(operationId = "listCustomers", summary = "List customers (ops only), keyset-paginated by id")
    public Uni<CustomerPage> customers(@Parameter(description = PageLimit.LIMIT_DOC, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "100")) @QueryParam("limit") String limit,
            @Parameter(description = PageLimit.CURSOR_DOC) @QueryParam("cursor") String cursor) {
        int n = PageLimit.parse(limit);
        return writes.read(() -> catalog.customers(Paging.after(cursor), n)).map(list -> new CustomerPage(
                list.stream().map(CustomerView::of).toList(),
                Paging.next(list.isEmpty() ? null : list.get(list.size() - 1).id, list.size(), n)));
    }

    @POST
    @Path("products")
    @RolesAllowed("ops")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createProduct", summary = "Create a product (ops)")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ProductView.class)),
            headers = @Header(name = "Location", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "409", description = "A request with the same Idempotency-Key is in flight")
    @APIResponse(responseCode = "422", description = "Idempotency-Key reused for another body")
    public Uni<Response> createProduct(@Valid @NotNull CatalogRequests.NewProduct request,
            @Parameter(description = OrderResource.IDEMPOTENCY_KEY_DOC, schema = @Schema(type = SchemaType.STRING,
                    pattern = OrderResource.IDEMPOTENCY_KEY_PATTERN, maxLength = 128))
            @HeaderParam("Idempotency-Key") String key) {
        return writes.<Product>idempotent(caller.getSubject(), key, "POST", "/products", request,
                () -> catalog.createProduct(request.toCommand()),
                p -> created("products", ProductView.of(p), p.id)).map(StoredResponse::toResponse);
    }

    @PATCH
    @Path("products/{id}")
    @RolesAllowed("ops")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "updateProduct",
            summary = "Rename, reprice or (de)activate a product (ops); orders keep the name and price they had")
    public Uni<ProductView> updateProduct(@PathParam("id") String id,
            @Valid @NotNull CatalogRequests.ProductChange change) {
        UUID productId = RequestParams.uuid(id, "product id");
        return writes.once(() -> catalog.updateProduct(productId, change.toCommand())).map(ProductView::of);
    }

    @POST
    @Path("customers")
    @RolesAllowed("ops")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createCustomer", summary = "Create a customer (ops); 409 if the email is taken")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CustomerView.class)),
            headers = @Header(name = "Location", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "409", description = "The email is taken, or a request with the same Idempotency-Key "
            + "is in flight")
    @APIResponse(responseCode = "422", description = "Idempotency-Key reused for another body")
    public Uni<Response> createCustomer(@Valid @NotNull CatalogRequests.NewCustomer request,
            @Parameter(description = OrderResource.IDEMPOTENCY_KEY_DOC, schema = @Schema(type = SchemaType.STRING,
                    pattern = OrderResource.IDEMPOTENCY_KEY_PATTERN, maxLength = 128))
            @HeaderParam("Idempotency-Key") String key) {
        return writes.<Customer>idempotent(caller.getSubject(), key, "POST", "/customers", request,
                () -> catalog.createCustomer(request.toCommand()),
                c -> created("customers", CustomerView.of(c), c.id)).map(StoredResponse::toResponse);
    }

    @PATCH
    @Path("customers/{id}")
    @RolesAllowed("ops")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "updateCustomer",
            summary = "Rename a customer or change the email (ops); the read model's orders follow")
    @APIResponse(responseCode = "200", description = "The customer after the change",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CustomerView.class)))
    @APIResponse(responseCode = "409", description = "The email is taken")
    public Uni<CustomerView> updateCustomer(@PathParam("id") String id,
            @Valid @NotNull CatalogRequests.CustomerChange change) {
        UUID customerId = RequestParams.uuid(id, "customer id");
        return writes.once(() -> catalog.updateCustomer(customerId, change.toCommand())).map(CustomerView::of);
    }

    private static StoredResponse created(String collection, Object body, UUID id) {
        return StoredResponse.of(201, body, Map.of("Location", "/" + collection + "/" + id));
    }
}
