package dev.orders.query.repository;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;

import dev.orders.http.admission.RequestDeadline;
import dev.orders.query.ListedOrder;
import dev.orders.query.OrderView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The one place that decides where a read goes. The replica serves every read while it answers and keeps up
 * ({@link ReplicaHealth}); the read primary serves it when the replica is down, failing or lagging, and when the
 * replica holds an order older than the newest read revision announced for it (the floor, kept here from the
 * projector's invalidations). A read the replica turned away because this instance is busy (full bulkhead, spent
 * request deadline) or because the client's input was bad is not sent to the primary: overload must not move onto
 * the smallest pool.
 *
 * <p>Read-your-writes ({@link #atLeast}) also lives here: a few cheap polls of the primary within the request's
 * deadline, never more.
 */
@ApplicationScoped
public class ReadRouter {
    private static final long NONE = 0;

    private final ReplicaReads replica;
    private final PrimaryReads primary;
    private final ReplicaHealth health;
    private final int maxPolls;
    private final Duration maxWait;
    private final long maxAhead;
    /** Newest read revision announced per order (from invalidations), kept long enough to outlive any replica lag. */
    private final RevisionFloors floors = new RevisionFloors(18, Duration.ofMinutes(10));
    private final Counter toReplica;
    private final Counter toPrimary;
    private final Counter fellBack;
    private final Counter behindFloor;
    private final Counter consistencyPolls;

    /** {@code orders.consistency.*}: how far a request may wait for its own write (Consistency-Token). */
    @ConfigMapping(prefix = "orders.consistency")
    public interface ConsistencyConfig {
        /** Polls of the read primary per request, at most. */
        @WithDefault("3")
        int maxPolls();

        /** Time spent waiting, at most. */
        @WithDefault("PT0.5S")
        Duration maxWait();

        /** A token this far beyond the order's current version is refused (400). */
        @WithDefault("16")
        long maxVersionsAhead();
    }

    public ReadRouter(ReplicaReads replica, PrimaryReads primary, ReplicaHealth health, MeterRegistry registry,
            ConsistencyConfig consistency) {
        this.replica = replica;
        this.primary = primary;
        this.health = health;
        this.maxPolls = consistency.maxPolls();
        this.maxWait = consistency.maxWait();
        this.maxAhead = consistency.maxVersionsAhead();
        this.toReplica = registry.counter("reads.routed", "target", "replica", "reason", "healthy");
        this.toPrimary = registry.counter("reads.routed", "target", "primary", "reason", "replica-unusable");
        this.fellBack = registry.counter("reads.routed", "target", "primary", "reason", "replica-failed");
        this.behindFloor = registry.counter("reads.routed", "target", "primary", "reason", "replica-behind");
        this.consistencyPolls = registry.counter("reads.consistency.polls");
    }

    /** The newest version the projector announced for this order, or 0. */
    public long floor(UUID id) {
        return floors.get(id);
    }

    /** Projector invalidations: no read may answer these orders with anything older from now on. */
    public void raiseFloors(Map<UUID, Long> versions) {
        versions.forEach(floors::raise);
    }

    /** One order's announced revision, learnt from the shared cache (a tombstone) rather than a message. */
    public void raiseFloor(UUID id, long revision) {
        floors.raise(id, revision);
    }

    /** The order at least at its revision floor: the replica, else (down, failing, behind the floor) the primary. */
    public Uni<Optional<OrderView>> findById(UUID id) {
        long floor = floor(id);
        // Which database answered is carried with the answer: health.usable() read after the query could have turned
        // while it ran, and a replica answer behind the floor would then be served.
        return route(() -> replica.findById(id).map(found -> new Answer(found, true)),
                () -> primary.findById(id).map(found -> new Answer(found, false))).chain(answer -> {
                    Optional<OrderView> found = answer.found();
                    if (answer.fromReplica() && floor > NONE
                            && (found.isEmpty() || found.get().revision() < floor)) {
                        behindFloor.increment();
                        return RequestDeadline.bound(() -> primary.findById(id));
                    }
                    return Uni.createFrom().item(found);
                });
    }

    private record Answer(Optional<OrderView> found, boolean fromReplica) {
    }

    public Uni<List<ListedOrder>> page(OrderFilter filter, OrderViewReads.Keyset after, int limit) {
        return route(() -> replica.page(filter, after, limit), () -> primary.page(filter, after, limit));
    }

    public Uni<Optional<OrderViewReads.CustomerSummary>> summary(UUID customerId) {
        return route(() -> replica.summary(customerId), () -> primary.summary(customerId));
    }

    /**
     * Read-your-writes: {@code found} (what the cache or replica had) if it is at least {@code minVersion}, else the
     * read primary, polled at most {@code orders.consistency.max-polls} times within {@code max-wait} and the request
     * deadline. Answers {@link Consistency#AHEAD} at once when the token is further ahead of the read model than any
     * write could be, and {@link Consistency#BEHIND} when the wait ran out.
     */
    public Uni<Consistency> atLeast(UUID id, Optional<OrderView> found, long minVersion) {
        if (minVersion <= NONE || (found.isPresent() && found.get().version() >= minVersion)) {
            return Uni.createFrom().item(new Consistency(found, Consistency.Outcome.FRESH));
        }
        if (tooFarAhead(found, minVersion)) {
            return Uni.createFrom().item(new Consistency(found, Consistency.Outcome.AHEAD));
        }
        long deadline = System.nanoTime() + RequestDeadline.remaining(maxWait).toNanos();
        return poll(id, minVersion, deadline, maxPolls);
    }

    /** Versions grow by one per write: a token this far ahead of the read model is not one a write returned. */
    private boolean tooFarAhead(Optional<OrderView> found, long minVersion) {
        return minVersion - found.map(OrderView::version).orElse(0L) > maxAhead;
    }

    private Uni<Consistency> poll(UUID id, long minVersion, long deadline, int pollsLeft) {
        consistencyPolls.increment();
        return RequestDeadline.bound(() -> primary.findById(id)).chain(found -> {
            if (found.isPresent() && found.get().version() >= minVersion) {
                return Uni.createFrom().item(new Consistency(found, Consistency.Outcome.FRESH));
            }
            if (tooFarAhead(found, minVersion)) {
                return Uni.createFrom().item(new Consistency(found, Consistency.Outcome.AHEAD));
            }
            long left = deadline - System.nanoTime();
            if (pollsLeft <= 1 || left <= 0) {
                return Uni.createFrom().item(new Consistency(found, Consistency.Outcome.BEHIND));
            }
            // spread the remaining polls over the time left
            Duration pause = Duration.ofNanos(left / pollsLeft);
            return Uni.createFrom().voidItem().onItem().delayIt().by(pause)
                    .chain(() -> poll(id, minVersion, deadline, pollsLeft - 1));
        });
    }

    /** What a read-your-writes check found: the order (if any) and whether it is at the asked version. */
    public record Consistency(Optional<OrderView> order, Outcome outcome) {
        public enum Outcome {
            /** at least the asked version */
            FRESH,
            /** still older when the bounded wait ran out */
            BEHIND,
            /** the asked version is further ahead than writes to this order can be: not a token this API issued */
            AHEAD
        }
    }

    /**
     * Each call runs under the request's deadline, applied here on the request's own context and around the
     * dependency's policy (so time spent queued at its bulkhead counts too).
     */
    private <T> Uni<T> route(Supplier<Uni<T>> onReplica, Supplier<Uni<T>> onPrimary) {
        if (!health.usable()) {
            toPrimary.increment();
            return RequestDeadline.bound(onPrimary);
        }
        toReplica.increment();
        return RequestDeadline.bound(onReplica).onFailure(ReadRouter::replicaFault).recoverWithUni(e -> {
            fellBack.increment();
            return RequestDeadline.bound(onPrimary);
        });
    }

    /** A failure of the replica itself, as opposed to this instance being busy or the client's input being bad. */
    static boolean replicaFault(Throwable e) {
        return !(e instanceof BulkheadException || e instanceof RequestDeadline.DeadlineExceeded
                || e instanceof OrderViewReads.RejectedInput);
    }
}
