package dev.orders.command.health;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

import dev.orders.command.Customer;
import dev.orders.command.Order;
import dev.orders.command.OrderAction;
import dev.orders.command.Product;
import dev.orders.command.service.OrderService;
import dev.orders.command.service.PlaceOrder;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Not ready until the write path has run once. A fresh instance's first order paid for Hibernate's first query parse
 * (its HQL grammar), its first entity loads, inserts and updates, and the outbox's first event serialization: 1.5-2.0
 * s measured, past the write deadline, so every new instance answered its first write with a 503 (and committed it
 * afterwards). Before the instance reports ready, this places an order for a throwaway customer and product and
 * cancels it, through the same use cases, in one transaction that is rolled back: nothing is kept, nothing is
 * published (the outbox rows never commit).
 * <p>
 * A warm-up that fails (the database down at start) is logged and gives up: the instance is then as cold as before,
 * never held out of service by it. {@link PoolReadiness} says whether the database answers.
 */
@Readiness
@ApplicationScoped
public class WriteWarmUp implements HealthCheck {
    static final String NAME = "Write path warmed up";
    private static final Logger LOG = Logger.getLogger(WriteWarmUp.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final OrderService orders;
    private final boolean enabled;
    /** Null while it runs; then "warmed" or "failed" (the check's data, for whoever reads readiness). */
    private volatile String outcome;

    public WriteWarmUp(OrderService orders, @ConfigProperty(name = "orders.warm-up.enabled") boolean enabled) {
        this.orders = orders;
        this.enabled = enabled;
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            outcome = "disabled";
            return;
        }
        long start = System.nanoTime();
        // a duplicated Vert.x context of its own, as a request has: Hibernate Reactive's session lives there
        VertxContextSupport.<Order> subscribe(() -> placeAndCancelRolledBack().toMulti(),
                s -> s.with(ignored -> {
                }, e -> {
                    outcome = "failed";
                    LOG.warnf("write path warm-up failed, the first writes may be slow: %s", e.toString());
                }, () -> {
                    outcome = "warmed";
                    LOG.infof("write path warmed up in %d ms", (System.nanoTime() - start) / 1_000_000);
                }));
    }

    @Override
    public HealthCheckResponse call() {
        String o = outcome;
        return o == null
                ? HealthCheckResponse.named(NAME).down().withData("reason", "warming up the write path").build()
                : HealthCheckResponse.named(NAME).up().withData("outcome", o).build();
    }

    /**
     * Places an order for a throwaway customer and product and cancels it; everything is rolled back. Returns the
     * cancelled order as the use case left it before the rollback.
     */
    Uni<Order> placeAndCancelRolledBack() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Customer customer = new Customer();
        customer.id = UUID.randomUUID();
        customer.name = "warm-up";
        customer.email = "warm-up-" + customer.id + "@invalid"; // its own: pods starting together would wait on one row
        customer.version = 1;
        customer.updatedAt = now;
        Product product = new Product();
        product.id = UUID.randomUUID();
        product.name = "warm-up";
        product.priceCents = 1;
        product.currency = "EUR";
        product.active = true;
        product.version = 1;
        product.updatedAt = now;
        // the use cases' @WithTransaction join this transaction; marked for rollback, it never commits
        return Panache.withTransaction(() -> Panache.currentTransaction()
                .invoke(Mutiny.Transaction::markForRollback)
                .chain(() -> customer.persist())
                .chain(() -> product.persist())
                .chain(() -> orders.create(new PlaceOrder(customer.id, List.of(new PlaceOrder.Line(product.id, 1)))))
                .chain(order -> orders.transition(new OrderService.Actor(customer.id, false), order.id,
                        OrderAction.CANCEL, order.version)))
                .ifNoItem().after(TIMEOUT).fail();
    }
}
