package dev.orders.query.service;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.orders.http.problem.ProblemException;
import dev.orders.http.problem.ProblemType;
import dev.orders.query.OrderView;
import dev.orders.query.cache.OrderCache;
import dev.orders.query.repository.OrderFilter;
import dev.orders.query.repository.OrderViewReads.CustomerSummary;
import dev.orders.query.repository.OrderViewReads.Keyset;
import dev.orders.query.repository.PrimaryOrderReads;
import dev.orders.query.repository.ReplicaOrderReads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Read use cases. A customer sees only its own orders (someone else's order is indistinguishable from a missing one:
 * 404); an operator sees all.
 *
 * <p>Single orders come from the layered cache, else the replica, else the read primary; a version the projector
 * announced (or a client's consistency token demands) is never answered with an older one. When the databases cannot
 * answer in time, the last cached copy is served marked stale.
 */
@ApplicationScoped
public class OrderQueryService {
    public static final ProblemType NOT_YET_CONSISTENT = ProblemType.of("not-yet-consistent",
            "The read model has not caught up with your write yet");

    private final OrderCache cache;
    private final ReplicaOrderReads reads;
    private final PrimaryOrderReads primary;
    private final CursorCodec cursors;
    private final Duration consistencyWait;
    private final Counter staleServed;

    public OrderQueryService(OrderCache cache, ReplicaOrderReads reads, PrimaryOrderReads primary,
            CursorCodec cursors, MeterRegistry registry,
            @ConfigProperty(name = "orders.consistency.max-wait", defaultValue = "PT1S") Duration consistencyWait) {
        this.cache = cache;
        this.reads = reads;
        this.primary = primary;
        this.cursors = cursors;
        this.consistencyWait = consistencyWait;
        this.staleServed = registry.counter("orders.stale.served");
    }

    /** Who is asking: a customer (its id), or an operator ({@code ops}, sees everything). */
    public record Caller(UUID customerId, boolean ops) {
        boolean maySee(UUID owner) {
            return ops || owner.equals(customerId);
        }
    }

    /** An order as served, {@code stale} when it is a cached copy served because the databases did not answer. */
    public record Read(OrderView order, boolean stale) {
    }

    public record Page(List<OrderView> orders, String nextCursor) {
    }

    /** {@code minVersion} (from a consistency token) 0 when the caller needs no particular version. */
    public Uni<Read> byId(Caller caller, UUID id, long minVersion) {
        return cache.get(id, this::loadFresh)
                .chain(found -> atLeast(id, found, minVersion))
                .map(found -> new Read(visible(caller, id, found), false))
                .onFailure(e -> !(e instanceof ProblemException)).recoverWithUni(e -> cache.stale(id).map(stale -> {
                    if (stale.isEmpty() || stale.get().version() < minVersion) {
                        throw new ProblemException(503, ProblemType.UNAVAILABLE,
                                "the read databases did not answer in time; retry shortly");
                    }
                    staleServed.increment();
                    return new Read(visible(caller, id, stale), true);
                }));
    }

    /** Replica first; if it has less than the newest announced version, ask the read primary. */
    private Uni<Optional<OrderView>> loadFresh(UUID id) {
        long floor = cache.floor(id);
        return reads.findById(id).chain(found -> floor > 0 && (found.isEmpty() || found.get().version() < floor)
                ? primary.findById(id)
                : Uni.createFrom().item(found));
    }

    /** Read-your-writes: the read primary, then a bounded wait, then a clear 503. */
    private Uni<Optional<OrderView>> atLeast(UUID id, Optional<OrderView> found, long minVersion) {
        if (minVersion == 0 || (found.isPresent() && found.get().version() >= minVersion)) {
            return Uni.createFrom().item(found);
        }
        long deadline = System.nanoTime() + consistencyWait.toNanos();
        return pollPrimary(id, minVersion, deadline);
    }

    private Uni<Optional<OrderView>> pollPrimary(UUID id, long minVersion, long deadline) {
        return primary.findById(id).chain(found -> {
            if (found.isPresent() && found.get().version() >= minVersion) {
                return Uni.createFrom().item(found);
            }
            if (System.nanoTime() > deadline) {
                return Uni.createFrom().failure(new ProblemException(503, NOT_YET_CONSISTENT,
                        "order " + id + " is not yet at version " + minVersion + " in the read model; retry shortly"));
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(50))
                    .chain(() -> pollPrimary(id, minVersion, deadline));
        });
    }

    private static OrderView visible(Caller caller, UUID id, Optional<OrderView> found) {
        return found.filter(o -> caller.maySee(o.customerId()))
                .orElseThrow(() -> ProblemException.notFound("no order " + id));
    }

    /** Newest first, keyset-paginated; the cursor is bound to the filter (and so to the caller's scope). */
    public Uni<Page> page(OrderFilter filter, String cursor, int limit) {
        Keyset after = cursors.decode(filter.scope(), cursor);
        return reads.page(filter, after, limit + 1).map(rows -> {
            boolean more = rows.size() > limit;
            List<OrderView> page = more ? rows.subList(0, limit) : rows;
            String next = null;
            if (more) {
                OrderView last = page.get(page.size() - 1);
                next = cursors.encode(filter.scope(), new Keyset(last.createdAt(), last.id()));
            }
            return new Page(List.copyOf(page), next);
        });
    }

    public Uni<CustomerSummary> summary(Caller caller, UUID customerId) {
        if (!caller.maySee(customerId)) {
            return Uni.createFrom().failure(ProblemException.notFound("no customer " + customerId));
        }
        return reads.summary(customerId).map(s -> s.orElseGet(
                () -> new CustomerSummary(customerId, null, 0, 0, null)));
    }
}
