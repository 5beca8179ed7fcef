package dev.orders.command.service;

import java.util.List;
import java.util.UUID;

import dev.orders.command.Customer;
import dev.orders.command.Product;
import dev.orders.command.repository.CustomerRepository;
import dev.orders.command.repository.ProductRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Read access to the reference data this service owns (products, customers). */
@ApplicationScoped
public class CatalogService {
    private final ProductRepository products;
    private final CustomerRepository customers;

    public CatalogService(ProductRepository products, CustomerRepository customers) {
        this.products = products;
        this.customers = customers;
    }

    @WithSession
    public Uni<List<Product>> products(UUID after, int limit) {
        return products.pageAfter(after, limit);
    }

    @WithSession
    public Uni<List<Customer>> customers(UUID after, int limit) {
        return customers.pageAfter(after, limit);
    }
}
