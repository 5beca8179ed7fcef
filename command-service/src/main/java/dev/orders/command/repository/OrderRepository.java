package dev.orders.command.repository;

import java.util.UUID;

import dev.orders.command.Order;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

@ApplicationScoped
public class OrderRepository implements PanacheRepositoryBase<Order, UUID> {
    private static final String WITH_ITEMS = "from Order o join fetch o.items where o.id = ?1";

    /** The order with its lines in one round trip (join fetch), never an N+1 over items; null if absent. */
    public Uni<Order> findWithItems(UUID id) {
        return find(WITH_ITEMS, id).list().map(l -> l.isEmpty() ? null : l.get(0));
    }

    /**
     * Same, locking the order row until the transaction ends ({@code SELECT … FOR UPDATE}): concurrent transitions of
     * one order queue behind each other (bounded by the role's lock_timeout) instead of overwriting each other.
     */
    public Uni<Order> findWithItemsForUpdate(UUID id) {
        return find(WITH_ITEMS, id).withLock(LockModeType.PESSIMISTIC_WRITE).list()
                .map(l -> l.isEmpty() ? null : l.get(0));
    }
}
