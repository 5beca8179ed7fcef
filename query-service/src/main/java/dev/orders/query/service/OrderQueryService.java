package dev.orders.query.service;

import java.util.List;
import java.util.UUID;

import dev.orders.http.problem.ProblemException;
import dev.orders.query.OrderView;
import dev.orders.query.cache.OrderCache;
import dev.orders.query.repository.OrderViewReads.Keyset;
import dev.orders.query.repository.ReplicaOrderReads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Read use cases. A customer sees only its own orders (someone else's order is indistinguishable from a missing one:
 * 404); an operator sees all.
 */
@ApplicationScoped
public class OrderQueryService {
    private final OrderCache cache;
    private final ReplicaOrderReads reads;
    private final CursorCodec cursors;
    private final Counter cacheHits;
    private final Counter cacheMisses;

    public OrderQueryService(OrderCache cache, ReplicaOrderReads reads, CursorCodec cursors, MeterRegistry registry) {
        this.cache = cache;
        this.reads = reads;
        this.cursors = cursors;
        this.cacheHits = registry.counter("orders.cache.requests", "layer", "redis", "result", "hit");
        this.cacheMisses = registry.counter("orders.cache.requests", "layer", "redis", "result", "miss");
    }

    /** Who is asking: the customer id (customers) or null with {@code ops} (operators see everything). */
    public record Caller(UUID customerId, boolean ops) {
        boolean maySee(OrderView order) {
            return ops || order.customerId().equals(customerId);
        }
    }

    public record Page(List<OrderView> orders, String nextCursor) {
    }

    public Uni<OrderView> byId(Caller caller, UUID id) {
        return cache.get(id)
                .chain(cached -> {
                    if (cached.isPresent()) {
                        cacheHits.increment();
                        return Uni.createFrom().item(cached);
                    }
                    cacheMisses.increment();
                    return reads.findById(id).call(found -> found.map(cache::put).orElse(Uni.createFrom().voidItem()));
                })
                .map(found -> found.filter(caller::maySee)
                        .orElseThrow(() -> ProblemException.notFound("no order " + id)));
    }

    /** Newest first, keyset-paginated; the cursor is bound to the caller's scope. */
    public Uni<Page> page(Caller caller, String cursor, int limit) {
        UUID customerId = caller.ops() ? null : caller.customerId();
        String scope = "orders|" + (customerId == null ? "*" : customerId);
        Keyset after = cursors.decode(scope, cursor);
        return reads.page(customerId, after, limit + 1).map(rows -> {
            boolean more = rows.size() > limit;
            List<OrderView> page = more ? rows.subList(0, limit) : rows;
            String next = null;
            if (more) {
                OrderView last = page.get(page.size() - 1);
                next = cursors.encode(scope, new Keyset(last.createdAt(), last.id()));
            }
            return new Page(List.copyOf(page), next);
        });
    }
}
