package dev.orders.http.dependency;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;

class DatabaseFailuresTest {

    static DatabaseException pg(String sqlState) {
        return new DatabaseException("ERROR", 0, sqlState) {
        };
    }

    @Test
    void aDatabaseThatCannotServeIsUnavailable() {
        for (String state : new String[] { "08006", "08P01", "57P01", "57P03", "53300", "57014", "55P03", "40001" }) {
            assertTrue(DatabaseFailures.unavailable(pg(state)), state);
        }
        assertTrue(DatabaseFailures.unavailable(ClosedConnectionException.INSTANCE));
        assertTrue(DatabaseFailures.unavailable(new ConnectException("Connection refused")));
    }

    @Test
    void theCauseChainIsRead() {
        assertTrue(DatabaseFailures.unavailable(new CompletionException(new IllegalStateException("wrapped",
                pg("57P01")))));
    }

    @Test
    void aStatementThatFailedOnItsOwnMeritsIsNot() {
        for (String state : new String[] { "23505", "23514", "22001", "42P01", "42703" }) {
            assertFalse(DatabaseFailures.unavailable(pg(state)), state);
        }
        assertFalse(DatabaseFailures.unavailable(new IllegalArgumentException("bug")));
    }
}
