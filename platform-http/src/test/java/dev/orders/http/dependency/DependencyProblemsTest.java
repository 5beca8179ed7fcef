package dev.orders.http.dependency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.junit.jupiter.api.Test;

import dev.orders.http.admission.RequestDeadline;

/** A 503's advice: a write turned away before it started wrote nothing; one that started may still commit. */
class DependencyProblemsTest {

    @Test
    void aReadIsOnlyToldToRetry() {
        assertEquals("retry shortly", DependencyProblems.advice(new TimeoutException(), "GET"));
        assertEquals("retry shortly", DependencyProblems.advice(new BulkheadException(), "HEAD"));
    }

    @Test
    void aWriteTurnedAwayBeforeItStartedWroteNothing() {
        for (Exception e : new Exception[] { new BulkheadException(), new CircuitBreakerOpenException(),
                new RequestDeadline.DeadlineExceeded() }) {
            assertEquals("nothing was written; retry shortly", DependencyProblems.advice(e, "POST"), e.toString());
        }
    }

    @Test
    void aWriteThatStartedMayStillCommit() {
        for (Exception e : new Exception[] { new TimeoutException(),
                new DependencyUnavailable("write database", new IllegalStateException("connection lost")) }) {
            for (String method : new String[] { "POST", "PATCH" }) {
                assertTrue(DependencyProblems.advice(e, method).startsWith("the write may still have been applied"),
                        method + " " + e);
            }
        }
    }
}
