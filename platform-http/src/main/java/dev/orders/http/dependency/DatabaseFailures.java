package dev.orders.http.dependency;

import java.io.IOException;
import java.util.Set;

import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;

/**
 * Tells a database that cannot serve right now (retry later: 503) from a statement that failed on its own merits
 * (a constraint, a bug: not retried, not a 503). Drivers and Hibernate Reactive wrap the Postgres error, so the whole
 * cause chain is read.
 */
public final class DatabaseFailures {
    /** SQLSTATEs that say "not now" rather than "not this". */
    private static final Set<String> TRANSIENT_STATES = Set.of(
            "57014", // query_canceled: statement_timeout fired
            "55P03", // lock_not_available: lock_timeout fired
            "40001", // serialization_failure
            "40P01", // deadlock_detected
            "25P03", // idle_in_transaction_session_timeout
            // read_only_sql_transaction: a standby, as after a switchover while the pooler still reaches the old
            // primary
            "25006");
    /** SQLSTATE classes that say the server or the path to it is unavailable. */
    private static final Set<String> TRANSIENT_CLASSES = Set.of(
            "08", // connection exception (PgBouncer: "server conn crashed?", "no server available")
            "53", // insufficient resources: too many connections, out of memory, disk full
            "57"); // operator intervention: admin/crash shutdown, cannot connect now

    private DatabaseFailures() {
    }

    public static boolean unavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DatabaseException db && db.getSqlState() != null) {
                String state = db.getSqlState();
                return TRANSIENT_STATES.contains(state) || (state.length() == 5
                        && TRANSIENT_CLASSES.contains(state.substring(0, 2)));
            }
            if (t instanceof ClosedConnectionException || t instanceof IOException) {
                return true; // connection refused, reset or closed under the statement
            }
        }
        return false;
    }
}
