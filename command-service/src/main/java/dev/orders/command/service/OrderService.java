package dev.orders.command.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.orders.command.Customer;
import dev.orders.command.Order;
import dev.orders.command.OrderAction;
import dev.orders.command.OrderItem;
import dev.orders.command.Product;
import dev.orders.http.problem.ProblemException;
import dev.orders.http.problem.ProblemType;
import dev.orders.command.outbox.OutboxWriter;
import dev.orders.command.repository.CustomerRepository;
import dev.orders.command.repository.OrderRepository;
import dev.orders.command.repository.ProductRepository;
import dev.orders.events.OrderEventType;
import dev.orders.events.OrderIds;
import dev.orders.events.OrderStatus;
import org.jboss.logging.Logger;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Order use cases. Each runs in one transaction that also writes the outbox row announcing it. */
@ApplicationScoped
public class OrderService {
    private static final Logger LOG = Logger.getLogger(OrderService.class);
    private final OrderRepository orders;
    private final ProductRepository products;
    private final CustomerRepository customers;
    private final OutboxWriter outbox;

    public OrderService(OrderRepository orders, ProductRepository products, CustomerRepository customers,
            OutboxWriter outbox) {
        this.orders = orders;
        this.products = products;
        this.customers = customers;
        this.outbox = outbox;
    }

    /** Who acts: a customer (its id) or an operator ({@code ops}, any order). */
    public record Actor(UUID customerId, boolean ops) {
    }

    /**
     * Creates a PENDING order at version 1 with its items and an {@code OrderCreated} outbox row, atomically.
     * Lines naming the same product are merged. Prices and names are taken from the catalogue now.
     */
    @WithTransaction
    public Uni<Order> create(PlaceOrder command) {
        UUID customerId = command.customerId();
        Map<UUID, Integer> quantities = new LinkedHashMap<>();
        for (PlaceOrder.Line line : command.lines()) {
            quantities.merge(line.productId(), line.quantity(), Integer::sum);
        }
        for (var e : quantities.entrySet()) {
            if (e.getValue() > PlaceOrder.MAX_QUANTITY) {
                return Uni.createFrom().failure(ProblemException.badRequest("items: product " + e.getKey() + " ordered "
                        + e.getValue() + " times in total; at most " + PlaceOrder.MAX_QUANTITY));
            }
        }
        return customers.findById(customerId)
                .onItem().ifNull().failWith(() -> ProblemException.forbidden(
                        WriteProblems.UNKNOWN_CUSTOMER, "no customer " + customerId + " exists"))
                .chain(customer -> products.findActiveByIds(quantities.keySet())
                        .chain(found -> persistNew(customer, quantities, found)));
    }

    /**
     * Applies a state-machine action under a row lock. Checks, in order: the order exists and the actor may see it
     * (404), the actor may take this action (403), {@code expectedVersion} matches (412), the transition is legal from
     * the current state (409). Then bumps the version and appends the event with the new full state.
     */
    @WithTransaction
    public Uni<Order> transition(Actor actor, UUID orderId, OrderAction action, Long expectedVersion) {
        return orders.findWithItemsForUpdate(orderId).chain(order -> {
            if (order == null || !(actor.ops() || order.customerId.equals(actor.customerId()))) {
                return Uni.createFrom().failure(ProblemException.notFound("no order " + orderId));
            }
            if (!actor.ops() && !action.customerMay()) {
                return Uni.createFrom().failure(ProblemException.forbidden(ProblemType.FORBIDDEN,
                        "only operators may " + action.name().toLowerCase() + " an order"));
            }
            if (expectedVersion != null && expectedVersion != order.version) {
                return Uni.createFrom().failure(new ProblemException(412, WriteProblems.VERSION_MISMATCH,
                        "If-Match expects version " + expectedVersion + " but the order is at version "
                                + order.version));
            }
            if (!action.allowedFrom(order.status)) {
                return Uni.createFrom().failure(new ProblemException(409, WriteProblems.ILLEGAL_TRANSITION,
                        "cannot " + action.name().toLowerCase() + " an order that is " + order.status));
            }
            order.status = action.target();
            order.version += 1;
            order.updatedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            return customers.findById(order.customerId)
                    .chain(customer -> outbox.append(action.event(), order, customer))
                    .replaceWith(order);
        });
    }

    private Uni<Order> persistNew(Customer customer, Map<UUID, Integer> quantities, List<Product> found) {
        Map<UUID, Product> byId = found.stream().collect(Collectors.toMap(p -> p.id, Function.identity()));
        List<UUID> unknown = quantities.keySet().stream().filter(id -> !byId.containsKey(id)).toList();
        if (!unknown.isEmpty()) {
            return Uni.createFrom().failure(ProblemException.unprocessable(WriteProblems.UNKNOWN_PRODUCT,
                    "unknown or inactive product(s): " + unknown));
        }
        var currencies = found.stream().map(p -> p.currency).distinct().toList();
        if (currencies.size() > 1) {
            return Uni.createFrom().failure(ProblemException.unprocessable(WriteProblems.MIXED_CURRENCY,
                    "products are priced in different currencies: " + currencies));
        }

        // createdAt is exactly the id's millisecond, so the read side can derive a row's partition from its id.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Order order = new Order();
        order.id = OrderIds.newId(now);
        order.customerId = customer.id;
        order.status = OrderStatus.PENDING;
        order.version = 1;
        order.currency = currencies.get(0);
        order.createdAt = now;
        order.updatedAt = now;
        quantities.forEach((productId, quantity) -> {
            Product p = byId.get(productId);
            OrderItem item = new OrderItem();
            item.id = OrderIds.newId(now);
            item.productId = p.id;
            item.productName = p.name;
            item.quantity = quantity;
            item.unitPriceCents = p.priceCents;
            order.addItem(item);
        });
        return orders.persist(order)
                .chain(saved -> outbox.append(OrderEventType.OrderCreated, saved, customer))
                // DEBUG: off in production unless asked for (QUARKUS_LOG_CATEGORY__DEV_ORDERS__LEVEL); carries the
                // request's trace id, like every log line written while a request is traced
                .invoke(() -> LOG.debugf("order %s placed for customer %s (%d lines)", order.id, customer.id,
                        order.items.size()))
                .replaceWith(order);
    }
}
