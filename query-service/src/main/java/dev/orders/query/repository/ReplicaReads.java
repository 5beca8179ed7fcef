package dev.orders.query.repository;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.Bulkhead;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.http.admission.RequestDeadline;
import dev.orders.query.OrderView;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The streaming replica (the default datasource), behind the fault-tolerance policy named by this class: its numbers
 * are {@code quarkus.fault-tolerance."dev.orders.query.repository.ReplicaReads".*} in application.properties.
 * Only {@link ReadRouter} calls it; the router decides what a failure here means.
 *
 * <p>The breaker counts what the replica did (errors, timeouts), never what the request brought with it: a full
 * bulkhead, a spent request deadline or a statement that rejected the client's input are not replica failures.
 */
@ApplicationScoped
@AsynchronousNonBlocking
@Timeout(1000)
@Bulkhead(value = 32, waitingTaskQueue = 64)
@CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 3000,
        skipOn = { org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException.class,
                RequestDeadline.DeadlineExceeded.class, OrderViewReads.RejectedInput.class })
public class ReplicaReads {
    private final OrderViewReads sql;
    private final Duration cap;

    public ReplicaReads(Pool replica, ObjectMapper json,
            @ConfigProperty(name = "quarkus.fault-tolerance.\"dev.orders.query.repository.ReplicaReads\".timeout.value",
                    defaultValue = "1000") long timeoutMillis) {
        this.sql = new OrderViewReads(replica, json);
        this.cap = Duration.ofMillis(timeoutMillis);
    }

    public Uni<Optional<OrderView>> findById(UUID id) {
        return RequestDeadline.bound(cap, () -> sql.selectById(id));
    }

    public Uni<List<OrderView>> page(OrderFilter filter, OrderViewReads.Keyset after, int limit) {
        return RequestDeadline.bound(cap, () -> sql.selectPage(filter, after, limit));
    }

    public Uni<Optional<OrderViewReads.CustomerSummary>> summary(UUID customerId) {
        return RequestDeadline.bound(cap, () -> sql.selectSummary(customerId));
    }
}
