package dev.orders.query.repository;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.query.OrderView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
    private final ReplicaHealth health;
    private final Counter toReplica;
    private final Counter toPrimary;
    private final Counter fellBack;

    public ReplicaOrderReads(Pool replica, PrimaryOrderReads primary, ReplicaHealth health, ObjectMapper json,
            MeterRegistry registry) {
        this.sql = new OrderViewReads(replica, json);
        this.primary = primary;
        this.health = health;
        this.toReplica = registry.counter("reads.routed", "target", "replica", "reason", "healthy");
        this.toPrimary = registry.counter("reads.routed", "target", "primary", "reason", "replica-unusable");
        this.fellBack = registry.counter("reads.routed", "target", "primary", "reason", "replica-failed");
    }

    private boolean replicaUsable() {
        if (health.usable()) {
            toReplica.increment();
            return true;
        }
        toPrimary.increment();
        return false;
    }

    @AsynchronousNonBlocking
    @Bulkhead(value = 64, waitingTaskQueue = 128)
    @Timeout(1000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 3000)
    @Fallback(fallbackMethod = "findByIdOnPrimary")
    public Uni<Optional<OrderView>> findById(UUID id) {
        return replicaUsable() ? sql.selectById(id) : primary.findById(id);
    }

    Uni<Optional<OrderView>> findByIdOnPrimary(UUID id) {
        fellBack.increment();
        return primary.findById(id);
    }

    @AsynchronousNonBlocking
    @Bulkhead(value = 64, waitingTaskQueue = 128)
    @Timeout(1000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 3000)
    @Fallback(fallbackMethod = "pageOnPrimary")
    public Uni<List<OrderView>> page(OrderFilter filter, OrderViewReads.Keyset after, int limit) {
        return replicaUsable() ? sql.selectPage(filter, after, limit) : primary.page(filter, after, limit);
    }

    @AsynchronousNonBlocking
    @Bulkhead(value = 64, waitingTaskQueue = 128)
    @Timeout(1000)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 3000)
    @Fallback(fallbackMethod = "summaryOnPrimary")
    public Uni<Optional<OrderViewReads.CustomerSummary>> summary(UUID customerId) {
        return replicaUsable() ? sql.selectSummary(customerId) : primary.summary(customerId);
    }

    Uni<Optional<OrderViewReads.CustomerSummary>> summaryOnPrimary(UUID customerId) {
        fellBack.increment();
        return primary.summary(customerId);
    }

    Uni<List<OrderView>> pageOnPrimary(OrderFilter filter, OrderViewReads.Keyset after, int limit) {
        fellBack.increment();
        return primary.page(filter, after, limit);
    }
}
