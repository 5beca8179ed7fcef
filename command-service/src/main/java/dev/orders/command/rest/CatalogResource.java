package dev.orders.command.rest;

import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.orders.command.service.CatalogService;
import dev.orders.http.paging.PageLimit;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Reference data: products for every authenticated caller, customers for operators only. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class CatalogResource {
    private final CatalogService catalog;

    public CatalogResource(CatalogService catalog) {
        this.catalog = catalog;
    }

    public record ProductView(UUID id, String name, long priceCents, String currency) {
    }

    public record ProductPage(List<ProductView> products, String nextCursor) {
    }

    public record CustomerView(UUID id, String name, String email) {
    }

    public record CustomerPage(List<CustomerView> customers, String nextCursor) {
    }

    @GET
    @Path("products")
    @Authenticated
    @Operation(summary = "List active products, keyset-paginated by id")
    public Uni<ProductPage> products(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int n = PageLimit.parse(limit);
        return catalog.products(Paging.after(cursor), n).map(list -> new ProductPage(
                list.stream().map(p -> new ProductView(p.id, p.name, p.priceCents, p.currency)).toList(),
                Paging.next(list.isEmpty() ? null : list.get(list.size() - 1).id, list.size(), n)));
    }

    @GET
    @Path("customers")
    @RolesAllowed("ops")
    @Operation(summary = "List customers (ops only), keyset-paginated by id")
    public Uni<CustomerPage> customers(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        int n = PageLimit.parse(limit);
        return catalog.customers(Paging.after(cursor), n).map(list -> new CustomerPage(
                list.stream().map(c -> new CustomerView(c.id, c.name, c.email)).toList(),
                Paging.next(list.isEmpty() ? null : list.get(list.size() - 1).id, list.size(), n)));
    }
}
