package dev.orders.query.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.orders.http.dependency.OutageMemory;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * OutageMemory against SmallRye FT's own breaker, with the window our policies use (20 calls, ratio 0.5): twelve
 * failures stay in the window however long ago they happened, and open the breaker on the eighth healthy call after
 * them, unless a check saw the pool miss and then answer in between.
 */
@QuarkusTest
class OutageMemoryTest {
    static final String BREAKER = "outage-memory-test";

    /** A call on a pool that is down while {@code down} is set. */
    @ApplicationScoped
    static class PoolCall {
        private volatile boolean down;

        /** A method, not the field: the test holds a client proxy, whose own fields are not the bean's. */
        void down(boolean down) {
            this.down = down;
        }

        @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 60_000)
        @CircuitBreakerName(BREAKER)
        void call() {
            if (down) {
                throw new IllegalStateException("connection refused");
            }
        }
    }

    @Inject
    PoolCall pool;
    @Inject
    CircuitBreakerMaintenance breakers;
    @Inject
    MeterRegistry registry;

    OutageMemory memory;

    @BeforeEach
    void outageOfTwelveCalls() {
        breakers.reset(BREAKER);
        memory = new OutageMemory("test-pool", List.of(BREAKER), breakers, registry);
        pool.down(true);
        for (int i = 0; i < 12; i++) {
            assertThrows(IllegalStateException.class, pool::call);
        }
        pool.down(false);
        assertEquals(CircuitBreakerState.CLOSED, breakers.currentState(BREAKER), "12 calls do not fill the window");
    }

    private void healthyCalls(int n) {
        for (int i = 0; i < n; i++) {
            pool.call();
        }
    }

    @Test
    void theBreakerForgetsTheOutageOnceThePoolAnswersAgain() {
        memory.checked(false);
        memory.checked(true);
        healthyCalls(20);
        assertEquals(CircuitBreakerState.CLOSED, breakers.currentState(BREAKER));
    }

    @Test
    void withoutThemTheOutagesFailuresOpenTheBreakerOnHealthyCalls() {
        memory.checked(true); // no miss seen: nothing to forget
        healthyCalls(8); // 12 failures + 8 successes fill the window: 0.6 >= 0.5
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(BREAKER));
    }

    @Test
    void anOpenBreakerIsLeftToItsTrialCall() {
        memory.checked(false);
        healthyCalls(8);
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(BREAKER));
        memory.checked(true);
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(BREAKER));
    }
}
