package dev.orders.query.repository;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * The newest read revision the projector announced per order (its floor), for {@link ReadRouter}: a fixed table of
 * slots indexed by the order id's hash, one order's floor per slot. Raising a floor is a volatile read and a
 * compare-and-set, reading one a volatile read; a floor only ever rises while its order holds the slot.
 *
 * <p>Why not a Caffeine cache (as before): every query-service instance raises one floor per order any write changes,
 * and a size- and time-bounded Caffeine cache runs its eviction policy on every write (frequency sketch, write buffer,
 * maintenance on the common pool). While the projector caught up at ~7,000 orders/s that bookkeeping was about a
 * third of each instance's event-loop time spent on invalidations (BENCHMARKS.md, session 30). Nothing here needs its
 * recency policy: a floor matters only while a replica lags behind it, seconds.
 *
 * <p>Bounded like that cache was: an order's floor is forgotten {@code ttl} after it was last raised, or earlier when
 * an order whose id hashes to the same slot takes it (at 2^18 slots, a floor outlives ~260,000 later announcements
 * on average). Forgetting one early only costs what having none costs: a read may answer from a replica still behind
 * it, as before the announcement.
 */
final class RevisionFloors {
    /** One order's floor; the id's two halves rather than the UUID, to compare without a dereference. */
    private record Floor(long msb, long lsb, long revision, long raisedAt) {
    }

    private final AtomicReferenceArray<Floor> slots;
    private final int shift;
    private final long ttlNanos;
    private final LongSupplier nanoTime;

    /** {@code 2^bits} slots; a floor is kept at most {@code ttl} after it was last raised. */
    RevisionFloors(int bits, Duration ttl) {
        this(bits, ttl, System::nanoTime);
    }

    RevisionFloors(int bits, Duration ttl, LongSupplier nanoTime) {
        if (bits < 1 || bits > 30) {
            throw new IllegalArgumentException("bits must be 1-30");
        }
        this.slots = new AtomicReferenceArray<>(1 << bits);
        this.shift = 64 - bits;
        this.ttlNanos = ttl.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The order's floor, or 0 when none is kept. */
    long get(UUID id) {
        Floor f = slots.get(index(id));
        return f != null && holds(f, id) && fresh(f, nanoTime.getAsLong()) ? f.revision() : 0;
    }

    /** Raises the order's floor to {@code revision} (a lower one than it has changes nothing). */
    void raise(UUID id, long revision) {
        int i = index(id);
        long now = nanoTime.getAsLong();
        for (;;) {
            Floor current = slots.get(i);
            boolean kept = current != null && holds(current, id) && fresh(current, now);
            if (kept && current.revision() >= revision) {
                return;
            }
            Floor next = new Floor(id.getMostSignificantBits(), id.getLeastSignificantBits(), revision, now);
            if (slots.compareAndSet(i, current, next)) {
                return;
            }
        }
    }

    private static boolean holds(Floor f, UUID id) {
        return f.lsb() == id.getLeastSignificantBits() && f.msb() == id.getMostSignificantBits();
    }

    private boolean fresh(Floor f, long now) {
        return now - f.raisedAt() < ttlNanos;
    }

    /** Fibonacci hashing of both halves: UUIDv7 ids share their leading time bits, test ids their trailing ones. */
    private int index(UUID id) {
        long h = (id.getMostSignificantBits() * 0x9E3779B97F4A7C15L) ^ id.getLeastSignificantBits();
        return (int) ((h * 0x9E3779B97F4A7C15L) >>> shift);
    }
}
