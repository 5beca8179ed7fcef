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
 * The read primary (datasource "primary"), where reads go while the replica is down or lags, behind the
 * fault-tolerance policy named by this class: its numbers are {@code quarkus.fault-tolerance."dev.orders.query.repository.PrimaryReads".*} in application.properties.
 * Only {@link ReadRouter} calls it; the router decides what a failure here means.
 *
 * <p>The breaker counts what the primary did (errors, timeouts), never what the request brought with it: a full
 * bulkhead, a spent request deadline or a statement that rejected the client's input are not primary failures.
 */
@ApplicationScoped
@AsynchronousNonBlocking
@Timeout(1500)
@Bulkhead(value = 16, waitingTaskQueue = 32)
@CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 5000,
        skipOn = { org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException.class,
                RequestDeadline.DeadlineExceeded.class, OrderViewReads.RejectedInput.class })
public class PrimaryReads {
    private final OrderViewReads sql;
    private final Duration cap;

    public PrimaryReads(@io.quarkus.reactive.datasource.ReactiveDataSource("primary") Pool primary, ObjectMapper json,
            @ConfigProperty(name = "quarkus.fault-tolerance.\"dev.orders.query.repository.PrimaryReads\".timeout.value",
                    defaultValue = "1500") long timeoutMillis) {
        this.sql = new OrderViewReads(primary, json);
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
