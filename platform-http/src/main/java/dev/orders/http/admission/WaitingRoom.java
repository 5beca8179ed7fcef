package dev.orders.http.admission;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.LongSupplier;

/**
 * The short queue in front of admission control's in-flight limit. A burst that outruns the limit for a moment (the
 * backlog after a stall of the machine or a GC pause) waits here and is served instead of shed; sustained overload
 * is still answered with 503 at once, because a queue that never drains only adds its own length to every admitted
 * request's latency.
 *
 * <p>The policy is CoDel with adaptive LIFO, as Facebook describes it for its services ("Fail at scale", ACM Queue
 * 2015): while the queue empties every {@code standingAfter} it is first-in first-out and each arrival may wait
 * {@code maxWait}; once it has not been empty for that long it is a standing queue, overload, and each new arrival may
 * wait only {@code standingWait} and the newest is served first, so what is served has barely waited and the oldest
 * leave with their 503 at the end of their own wait.
 *
 * <p>Written by hand: SmallRye Fault Tolerance's bulkhead queue is FIFO with no wait bound and runs behind JAX-RS,
 * after authentication; this must run as the first Vert.x route. Synchronized: only requests that find the limit
 * reached come here, and every operation is O(1) but {@link #remove} (O(capacity) when an entry times out).
 *
 * @param <T> what waits (admission control's pending request)
 */
final class WaitingRoom<T> {
    private final int capacity;
    private final long maxWaitNanos;
    private final long standingWaitNanos;
    private final long standingAfterNanos;
    private final LongSupplier nanoClock;
    private final ArrayDeque<Entry<T>> entries;
    private long lastEmptyNanos;
    /** entries.size(), readable without the lock for the admission fast path. */
    private volatile int size;

    /** A place in the queue: its item and how long it may wait from now. */
    record Entry<T>(T item, long waitNanos) {
    }

    WaitingRoom(int capacity, long maxWaitNanos, long standingWaitNanos, long standingAfterNanos,
            LongSupplier nanoClock) {
        this.capacity = capacity;
        this.maxWaitNanos = maxWaitNanos;
        this.standingWaitNanos = standingWaitNanos;
        this.standingAfterNanos = standingAfterNanos;
        this.nanoClock = nanoClock;
        this.entries = new ArrayDeque<>(capacity);
        this.lastEmptyNanos = nanoClock.getAsLong();
    }

    /** Queues {@code item}; null when the queue is full (the caller rejects it now). */
    synchronized Entry<T> offer(T item) {
        long now = nanoClock.getAsLong();
        if (entries.isEmpty()) {
            lastEmptyNanos = now;
        }
        if (entries.size() >= capacity) {
            return null;
        }
        Entry<T> entry = new Entry<>(item, standing(now) ? standingWaitNanos : maxWaitNanos);
        entries.addLast(entry);
        size = entries.size();
        return entry;
    }

    /** The next to admit, or null when none waits: the oldest, or while the queue is standing the newest. */
    synchronized T poll() {
        long now = nanoClock.getAsLong();
        Entry<T> next = standing(now) ? entries.pollLast() : entries.pollFirst();
        settled(now);
        return next == null ? null : next.item();
    }

    /** Takes {@code entry} out when it is still waiting (its wait ran out): true when the caller should reject it. */
    synchronized boolean remove(Entry<T> entry) {
        for (Iterator<Entry<T>> it = entries.iterator(); it.hasNext();) {
            if (it.next() == entry) { // identity: two requests are never the same entry
                it.remove();
                settled(nanoClock.getAsLong());
                return true;
            }
        }
        return false;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    private boolean standing(long now) {
        return !entries.isEmpty() && now - lastEmptyNanos > standingAfterNanos;
    }

    private void settled(long now) {
        size = entries.size();
        if (entries.isEmpty()) {
            lastEmptyNanos = now;
        }
    }
}
