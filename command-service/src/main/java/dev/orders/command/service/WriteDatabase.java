package dev.orders.command.service;

import java.util.function.Function;
import java.util.function.Supplier;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import dev.orders.command.idempotency.IdempotencyService;
import dev.orders.command.idempotency.StoredResponse;
import dev.orders.command.outbox.OutboxCommitted;
import dev.orders.http.admission.RequestDeadline;
import dev.orders.http.dependency.DatabaseFailures;
import dev.orders.http.dependency.DependencyUnavailable;
import dev.orders.http.problem.ProblemException;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

/**
 * Every call of this API to the write database goes through here. A write runs in one transaction opened here, which
 * the use case (its {@code @WithTransaction} joins it) and, for a retry-safe write, the stored response of its
 * Idempotency-Key share; once it has committed, an {@link OutboxCommitted} event wakes the relay.
 * <p>
 * Each write, from claiming its key to the commit, has a deadline and a bulkhead (the pool's size plus a short queue),
 * and a breaker counts database failures: a dead or slow write database answers a fast 503 with Retry-After instead
 * of holding requests. The breaker counts what the database did (errors, lost connections), never a client's 4xx nor
 * a deadline: a deadline also passes when this instance is merely busy (a burst on a cold JVM opened it for 2 s in a
 * benchmark), and the deadline and the bulkhead already bound what a hung database can hold. Policies: {@code quarkus.fault-tolerance."...WriteDatabase".*}.
 * A write timed out here may still commit afterwards, with its outbox row (never without it); a client learns the
 * outcome by retrying with the same Idempotency-Key.
 */
@ApplicationScoped
@AsynchronousNonBlocking
@Timeout
@Bulkhead
@CircuitBreaker(skipOn = { ProblemException.class, BulkheadException.class, TimeoutException.class,
        RequestDeadline.DeadlineExceeded.class })
public class WriteDatabase {
    private final IdempotencyService idempotency;
    private final Event<OutboxCommitted> committed;

    public WriteDatabase(IdempotencyService idempotency, Event<OutboxCommitted> committed) {
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
    @WithSpan("write transaction")
    public <T> Uni<StoredResponse> idempotent(String principal, String key, String method, String path,
            Object request, Supplier<Uni<T>> write, Function<T, StoredResponse> render) {
        return unavailableAs503(() -> idempotency.run(principal, key, idempotency.fingerprint(method, path, request),
                claim -> inTransaction(() -> write.get().map(render).call(claim::complete))));
    }

    /** A write without an Idempotency-Key (a PATCH: repeating it changes nothing more). */
    @WithSpan("write transaction")
    public <T> Uni<T> once(Supplier<Uni<T>> write) {
        return unavailableAs503(() -> inTransaction(write));
    }

    /** A read of the write model (the catalogue's lists), under the same deadline, bulkhead and breaker. */
    public <T> Uni<T> read(Supplier<Uni<T>> query) {
        return unavailableAs503(query);
    }

    /**
     * Runs only if the request still waits for it: a call that sat in the bulkhead's queue past its request's deadline
     * (the caller has had its 503) fails at once instead of taking a connection for nothing. A queued call resumes on
     * its request's Vert.x context (SmallRye FT's Vert.x integration), where {@link RequestDeadline} lives. A started
     * call is not cancelled: its transaction ends whole, on a commit or on the role's lock or statement timeout.
     */
    private static <T> Uni<T> unavailableAs503(Supplier<Uni<T>> call) {
        return RequestDeadline.ifTimeLeft(call).onFailure(DatabaseFailures::unavailable)
                .transform(e -> new DependencyUnavailable("write database", e));
    }

    private <T> Uni<T> inTransaction(Supplier<Uni<T>> work) {
        return Panache.withTransaction(work).invoke(() -> committed.fire(new OutboxCommitted()));
    }
}
