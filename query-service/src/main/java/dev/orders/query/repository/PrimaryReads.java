package dev.orders.query.repository;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.query.OrderView;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads from the read primary (through PgBouncer): the fallback when the replica is down or slow. Guarded by its own
 * timeout and circuit breaker so a sick primary fails fast instead of queueing requests.
 */
@ApplicationScoped
public class PrimaryOrderReads {
    private final OrderViewReads sql;

    public PrimaryOrderReads(@ReactiveDataSource("primary") Pool primary, ObjectMapper json) {
        this.sql = new OrderViewReads(primary, json);
    }

    @AsynchronousNonBlocking
    @Bulkhead(value = 16, waitingTaskQueue = 32)
    @Timeout(2000)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    public Uni<Optional<OrderView>> findById(UUID id) {
        return sql.selectById(id);
    }

    @AsynchronousNonBlocking
    @Bulkhead(value = 16, waitingTaskQueue = 32)
    @Timeout(2000)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    public Uni<List<OrderView>> page(OrderFilter filter, OrderViewReads.Keyset after, int limit) {
        return sql.selectPage(filter, after, limit);
    }

    @AsynchronousNonBlocking
    @Bulkhead(value = 16, waitingTaskQueue = 32)
    @Timeout(2000)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000)
    public Uni<Optional<OrderViewReads.CustomerSummary>> summary(UUID customerId) {
        return sql.selectSummary(customerId);
    }
}
