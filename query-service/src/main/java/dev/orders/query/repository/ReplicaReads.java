package dev.orders.query.repository;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.query.ListedOrder;
import dev.orders.query.OrderView;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The streaming replica (the default datasource), behind the fault-tolerance policy named by this class: its numbers
 * are {@code quarkus.fault-tolerance."dev.orders.query.repository.ReplicaReads".*} in application.properties.
 * Only {@link ReadRouter} calls it; the router decides what a failure here means.
 *
 * <p>The breaker counts what the replica did (errors, timeouts), never what the request brought with it: a full
 * bulkhead or a statement that rejected the client's input is not a replica failure. (The request's deadline is
 * applied by the router, outside this policy.)
 */
@ApplicationScoped
@AsynchronousNonBlocking
@Timeout
@Bulkhead
@CircuitBreaker(skipOn = { BulkheadException.class, OrderViewReads.RejectedInput.class })
public class ReplicaReads {
    /** Each method has a breaker of its own; named so that ReplicaHealth's OutageMemory can clear them. */
    static final String BY_ID = "replica-reads.find-by-id", PAGE = "replica-reads.page", SUMMARY = "replica-reads.summary";
    static final List<String> BREAKERS = List.of(BY_ID, PAGE, SUMMARY);

    private final OrderViewReads sql;

    public ReplicaReads(Pool replica, ObjectMapper json) {
        this.sql = new OrderViewReads(replica, json);
    }

    @CircuitBreakerName(BY_ID)
    public Uni<Optional<OrderView>> findById(UUID id) {
        return sql.selectById(id);
    }

    @CircuitBreakerName(PAGE)
    public Uni<List<ListedOrder>> page(OrderFilter filter, OrderViewReads.Keyset after, int limit) {
        return sql.selectPage(filter, after, limit);
    }

    @CircuitBreakerName(SUMMARY)
    public Uni<Optional<OrderViewReads.CustomerSummary>> summary(UUID customerId) {
        return sql.selectSummary(customerId);
    }
}
