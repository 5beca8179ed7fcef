package dev.orders.command.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.hibernate.exception.ConstraintViolationException;

import dev.orders.command.Customer;
import dev.orders.command.Product;
import dev.orders.command.outbox.OutboxWriter;
import dev.orders.command.repository.CustomerRepository;
import dev.orders.command.repository.ProductRepository;
import dev.orders.command.service.CatalogCommands.CustomerChange;
import dev.orders.command.service.CatalogCommands.NewCustomer;
import dev.orders.command.service.CatalogCommands.NewProduct;
import dev.orders.command.service.CatalogCommands.ProductChange;
import dev.orders.events.CatalogEvent;
import dev.orders.events.CatalogEventType;
import dev.orders.http.problem.ProblemException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

/**
 * The reference data this service owns (products, customers): paged reads for everyone entitled, and operator
 * changes, each of which writes a {@link CatalogEvent} to the outbox in the same transaction so that projections
 * showing names (the read model's order rows) can follow renames. Names and emails are stored as
 * {@link Text.Field#clean} leaves them (NFC, no control or format characters, within the tables' lengths), whoever
 * calls.
 */
@ApplicationScoped
public class CatalogService {
    /** The lengths of the tables' CHECK constraints (migration V1), for products' and customers' names alike. */
    static final Text.Field NAME = new Text.Field("name", 1, 200);
    static final Text.Field EMAIL = new Text.Field("email", 3, 320);

    private final ProductRepository products;
    private final CustomerRepository customers;
    private final OutboxWriter outbox;

    public CatalogService(ProductRepository products, CustomerRepository customers, OutboxWriter outbox) {
        this.products = products;
        this.customers = customers;
        this.outbox = outbox;
    }

    @WithSession
    public Uni<List<Product>> products(UUID after, int limit) {
        return products.pageAfter(after, limit);
    }

    @WithSession
    public Uni<List<Customer>> customers(UUID after, int limit) {
        return customers.pageAfter(after, limit);
    }

    @WithTransaction
    public Uni<Product> createProduct(NewProduct req) {
        Product p = new Product();
        p.id = UUID.randomUUID();
        p.name = NAME.clean(req.name());
        p.priceCents = req.priceCents();
        p.currency = req.currency();
        p.active = true;
        p.version = 1;
        p.updatedAt = now();
        return products.persist(p).chain(() -> announce(CatalogEventType.ProductCreated, p)).replaceWith(p);
    }

    @WithTransaction
    public Uni<Product> updateProduct(UUID id, ProductChange change) {
        // Row lock: concurrent PATCHes take turns, so each publishes its own version and the read model keeps the last.
        return products.findById(id, LockModeType.PESSIMISTIC_WRITE)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no product " + id))
                .chain(p -> {
                    if (change.name() != null) {
                        p.name = NAME.clean(change.name());
                    }
                    if (change.priceCents() != null) {
                        p.priceCents = change.priceCents();
                    }
                    if (change.active() != null) {
                        p.active = change.active();
                    }
                    p.version += 1;
                    p.updatedAt = now();
                    return announce(CatalogEventType.ProductUpdated, p).replaceWith(p);
                });
    }

    @WithTransaction
    public Uni<Customer> createCustomer(NewCustomer req) {
        Customer c = new Customer();
        c.id = UUID.randomUUID();
        c.name = NAME.clean(req.name());
        c.email = EMAIL.clean(req.email());
        c.version = 1;
        c.updatedAt = now();
        return customers.persist(c).call(() -> customers.flush())
                .onFailure(CatalogService::isUniqueViolation).transform(CatalogService::emailTaken)
                .chain(() -> announce(CatalogEventType.CustomerCreated, c)).replaceWith(c);
    }

    @WithTransaction
    public Uni<Customer> updateCustomer(UUID id, CustomerChange change) {
        return customers.findById(id, LockModeType.PESSIMISTIC_WRITE) // as for products: one version per change
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no customer " + id))
                .chain(c -> {
                    if (change.name() != null) {
                        c.name = NAME.clean(change.name());
                    }
                    if (change.email() != null) {
                        c.email = EMAIL.clean(change.email());
                    }
                    c.version += 1;
                    c.updatedAt = now();
                    return customers.flush()
                            .onFailure(CatalogService::isUniqueViolation).transform(CatalogService::emailTaken)
                            .chain(() -> announce(CatalogEventType.CustomerUpdated, c)).replaceWith(c);
                });
    }

    private Uni<CatalogEvent> announce(CatalogEventType type, Product p) {
        return outbox.append(CatalogEvent.of(type,
                new CatalogEvent.ProductState(p.id, p.name, p.priceCents, p.currency, p.active, p.version), p.updatedAt));
    }

    private Uni<CatalogEvent> announce(CatalogEventType type, Customer c) {
        return outbox.append(CatalogEvent.of(type, new CatalogEvent.CustomerState(c.id, c.name, c.email, c.version),
                c.updatedAt));
    }

    /**
     * Hibernate Reactive may surface the driver's error as is or wrapped: look for SQLSTATE 23505 anywhere. Only a
     * unique violation: any other constraint's (a CHECK, a NOT NULL) is not a taken email.
     */
    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if ((t instanceof ConstraintViolationException cve
                    && (cve.getKind() == ConstraintViolationException.ConstraintKind.UNIQUE
                            || "23505".equals(cve.getSQLState())))
                    || (t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState()))) {
                return true;
            }
        }
        return false;
    }

    private static Throwable emailTaken(Throwable e) {
        return new ProblemException(409, WriteProblems.EMAIL_TAKEN, "a customer with this email already exists");
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
