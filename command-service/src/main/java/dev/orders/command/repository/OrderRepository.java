package dev.orders.command.repository;

import java.util.UUID;

import dev.orders.command.Order;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class OrderRepository implements PanacheRepositoryBase<Order, UUID> {

    /** The order with its lines in one round trip (join fetch), never an N+1 over items. */
    public Uni<Order> findWithItems(UUID id) {
        return find("from Order o left join fetch o.items where o.id = ?1", id).firstResult();
    }
}
