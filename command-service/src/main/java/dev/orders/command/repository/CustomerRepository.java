package dev.orders.command.repository;

import java.util.List;
import java.util.UUID;

import dev.orders.command.Customer;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class CustomerRepository implements PanacheRepositoryBase<Customer, UUID> {

    /** Keyset page ordered by id: cost does not grow with depth. */
    public Uni<List<Customer>> pageAfter(UUID after, int limit) {
        return (after == null ? find("order by id") : find("id > ?1 order by id", after))
                .page(Page.ofSize(limit)).list();
    }
}
