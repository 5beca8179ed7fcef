package dev.orders.query.repository;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.query.OrderView;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads from the streaming replica (the default datasource). On a timeout, an error or an open breaker the same query
 * goes to the read primary instead ({@link PrimaryOrderReads}); the breaker keeps a dead replica from costing a
 * timeout on every request, and its half-open probe takes the replica back once it answers again.
 *
 * <p>Timeout and breaker values are MicroProfile config keys, e.g.
 * {@code quarkus.fault-tolerance."dev.orders.query.repository.ReplicaOrderReads/findById".timeout.value}.
 */
@ApplicationScoped
public class ReplicaOrderReads {
    private final OrderViewReads sql;
    private final PrimaryOrderReads primary;

    public ReplicaOrderReads(Pool replica, PrimaryOrderReads primary, ObjectMapper json) {
        this.sql = new OrderViewReads(replica, json);
        this.primary = primary;
    }

    @AsynchronousNonBlocking
    @Timeout(1000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 3000)
    @Fallback(fallbackMethod = "findByIdOnPrimary")
    public Uni<Optional<OrderView>> findById(UUID id) {
        return sql.selectById(id);
    }

    Uni<Optional<OrderView>> findByIdOnPrimary(UUID id) {
        return primary.findById(id);
    }

    @AsynchronousNonBlocking
    @Timeout(1000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 3000)
    @Fallback(fallbackMethod = "pageOnPrimary")
    public Uni<List<OrderView>> page(UUID customerId, OrderViewReads.Keyset after, int limit) {
        return sql.selectPage(customerId, after, limit);
    }

    Uni<List<OrderView>> pageOnPrimary(UUID customerId, OrderViewReads.Keyset after, int limit) {
        return primary.page(customerId, after, limit);
    }
}
