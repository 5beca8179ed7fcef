package dev.orders.command.service;

import java.util.function.Function;
import java.util.function.Supplier;

import dev.orders.command.idempotency.IdempotencyService;
import dev.orders.command.idempotency.StoredResponse;
import dev.orders.command.outbox.OutboxCommitted;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

/**
 * How every write of this API runs: in one transaction opened here, which the use case (its {@code @WithTransaction}
 * joins it) and, for a retry-safe write, the stored response of its Idempotency-Key share; once it has committed,
 * an {@link OutboxCommitted} event wakes the relay.
 */
@ApplicationScoped
public class WriteTransactions {
    private final IdempotencyService idempotency;
    private final Event<OutboxCommitted> committed;

    public WriteTransactions(IdempotencyService idempotency, Event<OutboxCommitted> committed) {
        this.idempotency = idempotency;
        this.committed = committed;
    }

    /**
     * A retry-safe write under the caller's Idempotency-Key ({@code key} null: none): the rendered response is stored
     * in the write's own transaction, so a replay returns exactly what the first call returned.
     *
     * @param request what identifies the request besides method and path (see {@link IdempotencyService#fingerprint})
     * @param write   the use case
     * @param render  the response for its result (status, body, headers)
     */
    public <T> Uni<StoredResponse> idempotent(String principal, String key, String method, String path,
            Object request, Supplier<Uni<T>> write, Function<T, StoredResponse> render) {
        return idempotency.run(principal, key, idempotency.fingerprint(method, path, request),
                claim -> inTransaction(() -> write.get().map(render).call(claim::complete)));
    }

    /** A write without an Idempotency-Key (a PATCH: repeating it changes nothing more). */
    public <T> Uni<T> once(Supplier<Uni<T>> write) {
        return inTransaction(write);
    }

    private <T> Uni<T> inTransaction(Supplier<Uni<T>> work) {
        return Panache.withTransaction(work).invoke(() -> committed.fire(new OutboxCommitted()));
    }
}
