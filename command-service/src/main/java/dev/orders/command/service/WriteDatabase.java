package dev.orders.command.service;

import java.util.function.Function;
import java.util.function.Supplier;

import dev.orders.command.idempotency.IdempotencyService;
import dev.orders.command.idempotency.StoredResponse;
import dev.orders.command.outbox.OutboxCommitted;
import dev.orders.http.admission.RequestDeadline;
import dev.orders.http.context.CallerContext;
import dev.orders.http.dependency.DatabaseFailures;
import dev.orders.http.dependency.DependencyUnavailable;
import dev.orders.tracing.TraceContexts;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

/**
 * Every call of this API to the write database goes through here. A write runs in one transaction opened here, which
 * the use case (its {@code @WithTransaction} joins it) and, for a retry-safe write, the stored response of its
 * Idempotency-Key share; once it has committed, an {@link OutboxCommitted} event wakes the relay.
 * <p>
 * Each write, from claiming its key to the commit, runs under {@link WriteDatabaseGuard}'s deadline, bulkhead and
 * breaker: a dead or slow write database answers a fast 503 with Retry-After instead of holding requests. A write
 * timed out there may still commit afterwards, with its outbox row (never without it); a client learns the outcome by
 * retrying with the same Idempotency-Key.
 */
@ApplicationScoped
public class WriteDatabase {
    private final IdempotencyService idempotency;
    private final Event<OutboxCommitted> committed;
    private final WriteDatabaseGuard guard;
    private final TraceContexts traces;

    public WriteDatabase(IdempotencyService idempotency, Event<OutboxCommitted> committed, WriteDatabaseGuard guard,
            TraceContexts traces) {
        this.idempotency = idempotency;
        this.committed = committed;
        this.guard = guard;
        this.traces = traces;
    }

    /**
     * A retry-safe write under the caller's Idempotency-Key ({@code key} null: none): the rendered response is stored
     * in the write's own transaction, so a replay returns exactly what the first call returned.
     *
     * @param request what identifies the request besides method and path (see {@link IdempotencyService#fingerprint})
     * @param write   the use case
     * @param render  the response for its result (status, body, headers)
     */
    @WithSpan("write transaction")
    public <T> Uni<StoredResponse> idempotent(String principal, String key, String method, String path,
            Object request, Supplier<Uni<T>> write, Function<T, StoredResponse> render) {
        return guarded(() -> idempotency.run(principal, key, idempotency.fingerprint(method, path, request),
                claim -> inTransaction(() -> write.get().map(render).call(claim::complete))));
    }

    /** A write without an Idempotency-Key (a PATCH: repeating it changes nothing more). */
    @WithSpan("write transaction")
    public <T> Uni<T> once(Supplier<Uni<T>> write) {
        return guarded(() -> inTransaction(write));
    }

    /** A read of the write model (the catalogue's lists), under the same deadline, bulkhead and breaker. */
    public <T> Uni<T> read(Supplier<Uni<T>> query) {
        return guarded(query);
    }

    /**
     * The call under the guard's policies, assembled here, in the calling request, and run on its Vert.x context
     * wherever the bulkhead lets it start (see {@link WriteDatabaseGuard}).
     * <p>
     * It runs only if the request still waits for it: a call that sat in the bulkhead's queue past its request's
     * deadline (the caller has had its 503) fails at once instead of taking a connection for nothing. A started call is
     * not cancelled: its transaction ends whole, on a commit or on the role's lock or statement timeout.
     */
    private <T> Uni<T> guarded(Supplier<Uni<T>> call) {
        traces.pin(); // the outbox row's trace, also when the write commits after its request was answered
        return guard.run(Uni.createFrom().voidItem().emitOn(CallerContext.capture())
                .chain(() -> RequestDeadline.ifTimeLeft(call))
                .onFailure(DatabaseFailures::unavailable)
                .transform(e -> new DependencyUnavailable("write database", e)));
    }

    private <T> Uni<T> inTransaction(Supplier<Uni<T>> work) {
        return Panache.withTransaction(work).invoke(() -> committed.fire(new OutboxCommitted()));
    }
}
