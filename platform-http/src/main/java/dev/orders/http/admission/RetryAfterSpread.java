package dev.orders.http.admission;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Chooses the {@code Retry-After} of each rejection so that rejected clients come back spread out and, together, at
 * about the rate the instance admits: a fixed {@code Retry-After: 1} sent to 10,000 clients brings all 10,000 back
 * a second later, to be rejected again, and rejecting them costs the CPU the admitted requests need.
 *
 * <p>Once a second it compares the demand of the past second (admitted + rejected) with what was admitted, over a
 * {@value #HEADROOM} headroom, and moves the mean wait by that ratio (up) or its square root (down): with N clients
 * and an admission rate μ it settles near N / (1.25 μ), and without rejections it shrinks back to 1 s. Each rejection then draws a whole
 * number of seconds uniformly from [1, 2 × mean − 1], so returns do not arrive in one wave.
 *
 * <p>Written by hand: no library we use derives Retry-After from load (SmallRye FT and Vert.x only reject). Lock-free:
 * two adders and one compare-and-set per second.
 */
public final class RetryAfterSpread {
    /** Aim for demand 25 % above what is admitted, so an instance stays full while clients wait. */
    static final double HEADROOM = 1.25;
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final long maxSeconds;
    private final LongSupplier nanoClock;
    private final LongAdder admitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final AtomicLong windowStart;
    private volatile double meanSeconds = 1;

    public RetryAfterSpread(long maxSeconds) {
        this(maxSeconds, System::nanoTime);
    }

    RetryAfterSpread(long maxSeconds, LongSupplier nanoClock) {
        this.maxSeconds = Math.max(1, maxSeconds);
        this.nanoClock = nanoClock;
        this.windowStart = new AtomicLong(nanoClock.getAsLong());
    }

    /** A request was admitted. */
    public void admitted() {
        admitted.increment();
        roll();
    }

    /** A request is rejected: the whole seconds its client should wait, in [1, max]. */
    public long rejected() {
        rejected.increment();
        roll();
        double mean = meanSeconds;
        long highest = Math.min(maxSeconds, Math.round(2 * mean - 1));
        return highest <= 1 ? 1 : 1 + ThreadLocalRandom.current().nextLong(highest);
    }

    /** The mean wait rejections are drawn around now (for the gauge and tests). */
    public double meanSeconds() {
        return meanSeconds;
    }

    private void roll() {
        long now = nanoClock.getAsLong();
        long start = windowStart.get();
        if (now - start < WINDOW_NANOS || !windowStart.compareAndSet(start, now)) {
            return;
        }
        long a = admitted.sumThenReset();
        long r = rejected.sumThenReset();
        long windows = Math.min(60, (now - start) / WINDOW_NANOS); // quiet seconds without traffic shrink it too
        double demand = (double) (a + r) / (HEADROOM * Math.max(1, a));
        // up by the whole ratio (a flood must be spread within a second or two), down by its square root (damped:
        // the clients told to wait longer are still away when the next window is measured)
        double step = demand > 1 ? demand : Math.sqrt(demand);
        double next = meanSeconds * step * Math.pow(Math.sqrt(1 / HEADROOM), windows - 1);
        meanSeconds = Math.max(1, Math.min(maxSeconds, next));
    }
}
