package dev.orders.query.service;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.orders.http.problem.ProblemException;
import dev.orders.http.problem.ProblemType;
import dev.orders.query.ListedOrder;
import dev.orders.query.OrderView;
import dev.orders.query.cache.CachedOrder;
import dev.orders.query.cache.OrderCache;
import dev.orders.query.repository.OrderFilter;
import dev.orders.query.repository.OrderViewReads;
import dev.orders.query.repository.OrderViewReads.CustomerSummary;
import dev.orders.query.repository.OrderViewReads.Keyset;
import dev.orders.query.repository.ReadRouter;
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
    private final ReadRouter reads;
    private final CursorCodec cursors;
    private final Counter staleServed;

    public OrderQueryService(OrderCache cache, ReadRouter reads, CursorCodec cursors, MeterRegistry registry) {
        this.cache = cache;
        this.reads = reads;
        this.cursors = cursors;
        this.staleServed = registry.counter("orders.stale.served");
    }

    /** Who is asking: a customer (its id), or an operator ({@code ops}, sees everything). */
    public record Caller(UUID customerId, boolean ops) {
        boolean maySee(UUID owner) {
            return ops || owner.equals(customerId);
        }
    }

    /**
     * An order as served: its view, its JSON, and {@code stale} when it is a cached copy served because the databases
     * did not answer.
     */
    /** What a by-id read answers: the order, its JSON, its read revision (for the ETag), and whether it is stale. */
    public record Read(OrderView order, byte[] json, long revision, boolean stale) {
        static Read of(CachedOrder c, boolean stale) {
            return new Read(c.view(), c.json(), c.revision(), stale);
        }
    }

    public record Page(List<ListedOrder> orders, String nextCursor) {
    }

    /**
     * {@code minVersion} (from a consistency token) 0 when the caller needs no particular version. Ownership is
     * checked before anything else: someone else's order is a 404 at once, whatever token came with it.
     */
    public Uni<Read> byId(Caller caller, UUID id, long minVersion) {
        return cache.get(id)
                .chain(found -> {
                    if (found.isPresent() && !caller.maySee(found.get().view().customerId())) {
                        return Uni.createFrom().failure(ProblemException.notFound("no order " + id));
                    }
                    if (minVersion == 0 || (found.isPresent() && found.get().version() >= minVersion)) {
                        return Uni.createFrom().item(Read.of(visible(caller, id, found), false));
                    }
                    return reads.atLeast(id, found.map(CachedOrder::view), minVersion)
                            .map(c -> consistent(caller, id, minVersion, c));
                })
                // a statement refused for what the request carried is the client's 400, not a database outage
                .onFailure(e -> !(e instanceof ProblemException || e instanceof OrderViewReads.RejectedInput))
                .recoverWithUni(e -> cache.stale(id).map(stale -> {
                    if (stale.isEmpty() || stale.get().version() < minVersion) {
                        throw new ProblemException(503, ProblemType.UNAVAILABLE,
                                "the read databases did not answer in time; retry shortly");
                    }
                    staleServed.increment();
                    return Read.of(visible(caller, id, stale), true);
                }));
    }

    private Read consistent(Caller caller, UUID id, long minVersion, ReadRouter.Consistency c) {
        Optional<CachedOrder> found = c.order().map(cache::entry);
        return switch (c.outcome()) {
            case FRESH -> Read.of(visible(caller, id, found), false);
            case AHEAD -> {
                visible(caller, id, found); // not the caller's: 404, as without a token
                throw ProblemException.badRequest("Consistency-Token version " + minVersion + " is ahead of any "
                        + "version order " + id + " can have yet; pass the token a write response returned");
            }
            case BEHIND -> {
                // Not projected at all yet (its creation still on its way): the token says it exists, so this is the
                // same "retry shortly" as an older version, not a 404. Nothing leaks: any id with a token answers so
                // until a row exists, and then the row's owner decides.
                if (found.isPresent()) {
                    visible(caller, id, found);
                }
                throw new ProblemException(503, NOT_YET_CONSISTENT,
                        "order " + id + " is not yet at version " + minVersion + " in the read model; retry shortly");
            }
        };
    }

    private static CachedOrder visible(Caller caller, UUID id, Optional<CachedOrder> found) {
        return found.filter(o -> caller.maySee(o.view().customerId()))
                .orElseThrow(() -> ProblemException.notFound("no order " + id));
    }

    /** Newest first, keyset-paginated; the cursor is bound to the filter (and so to the caller's scope). */
    public Uni<Page> page(OrderFilter filter, String cursor, int limit) {
        Keyset after = cursors.decode(filter.scope(), cursor);
        return reads.page(filter, after, limit + 1).map(rows -> {
            boolean more = rows.size() > limit;
            List<ListedOrder> page = more ? rows.subList(0, limit) : rows;
            String next = null;
            if (more) {
                ListedOrder last = page.get(page.size() - 1);
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
