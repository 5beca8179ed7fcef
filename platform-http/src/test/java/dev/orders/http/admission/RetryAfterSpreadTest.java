package dev.orders.http.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RetryAfterSpreadTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong();
    private final RetryAfterSpread spread = new RetryAfterSpread(8, clock::get);

    /** One second of traffic: admissions and rejections interleaved; returns the largest Retry-After given. */
    private long second(int admitted, int rejected) {
        long largest = 0;
        for (int i = 0; i < Math.max(admitted, rejected); i++) {
            if (i < admitted) {
                spread.admitted();
            }
            if (i < rejected) {
                long seconds = spread.rejected();
                assertTrue(seconds >= 1 && seconds <= 8, "Retry-After in [1, max]: " + seconds);
                largest = Math.max(largest, seconds);
            }
        }
        clock.addAndGet(SECOND);
        return largest;
    }

    @Test
    void atTheEdgeOfCapacityClientsRetryAfterOneSecond() {
        for (int s = 0; s < 10; s++) {
            second(1000, 100); // demand 1.1 x admissions: under the headroom
        }
        assertEquals(1.0, spread.meanSeconds());
        assertEquals(1, second(1000, 100));
    }

    @Test
    void aFloodSpreadsRetriesUpToTheMaximumAndCalmShrinksThemBack() {
        for (int s = 0; s < 10; s++) {
            second(1000, 9000); // ten times the demand the instance admits
        }
        assertEquals(8.0, spread.meanSeconds(), "capped at the maximum");
        assertTrue(second(1000, 9000) > 4, "rejections are spread over several seconds");

        for (int s = 0; s < 30; s++) {
            second(1000, 0);
        }
        assertEquals(1.0, spread.meanSeconds(), "without rejections it returns to 1 s");
    }

    @Test
    void quietSecondsWithoutAnyRequestAlsoShrinkIt() {
        for (int s = 0; s < 10; s++) {
            second(100, 2000);
        }
        assertTrue(spread.meanSeconds() > 4);
        clock.addAndGet(60 * SECOND); // a minute without a single request
        spread.admitted();
        assertEquals(1.0, spread.meanSeconds());
    }

    @Test
    void itSettlesWhereReturningClientsMatchTheAdmissionRate() {
        // 3,000 clients that honour Retry-After, an instance that admits 500 per second: the wait that balances them
        // is about 3,000 / (1.25 x 500) = 4.8 s
        int clients = 3000;
        int capacity = 500;
        double mean = 1;
        for (int s = 0; s < 40; s++) {
            int arriving = (int) Math.min(clients, clients / mean);
            int admitted = Math.min(capacity, arriving);
            second(admitted, arriving - admitted);
            mean = spread.meanSeconds();
        }
        assertTrue(mean > 3.5 && mean < 6.5, "settles near 4.8 s: " + mean);
    }
}
