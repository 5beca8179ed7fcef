package dev.orders.command.service;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import dev.orders.http.admission.RequestDeadline;
import dev.orders.http.problem.ProblemException;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The write database's policies: a deadline, a bulkhead (the pool's size, and a queue as long as admission control's
 * limit, so that it turns away no request admission admitted while the database stalls for less than the deadline;
 * queued time counts against the deadline, and a call queued past it keeps its place until it runs) and a breaker that
 * counts what the database did (errors, lost connections), never a client's 4xx nor a deadline: a deadline also passes
 * when this instance is merely busy (a burst on a cold JVM opened it for 2 s in a benchmark), and the deadline and the
 * bulkhead already bound what a hung database can hold.
 * Values: {@code quarkus.fault-tolerance."dev.orders.command.service.WriteDatabaseGuard".*}.
 * <p>
 * It takes a call already assembled by its caller ({@link WriteDatabase}) and only decides when it runs. A call that
 * waited in the bulkhead's queue is started by SmallRye Fault Tolerance from the call that freed its place; had it
 * been assembled there, it would have captured that other request's contexts (its trace among them: 151-160 of
 * 160 concurrent writes stored another request's trace in their outbox rows, OutboxTraceContextTest).
 */
@ApplicationScoped
@AsynchronousNonBlocking
@Timeout
@Bulkhead
@CircuitBreaker(skipOn = { ProblemException.class, BulkheadException.class, TimeoutException.class,
        RequestDeadline.DeadlineExceeded.class })
public class WriteDatabaseGuard {
    /** The breaker's name, for {@link dev.orders.command.health.WriteDatabaseCheck}'s OutageMemory. */
    public static final String BREAKER = "write-database";

    /** {@code call}, subscribed to under the policies once the bulkhead admits it. */
    @CircuitBreakerName(BREAKER)
    public <T> Uni<T> run(Uni<T> call) {
        return call;
    }
}
