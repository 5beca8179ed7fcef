package dev.orders.http.dependency;

import java.net.ConnectException;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.orders.http.admission.RequestDeadline;
import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * A dependency that is saturated, slow or down sheds load with a fast 503 + Retry-After (problem+json), in both
 * APIs, instead of a queue that grows or a 500. For a write the outcome is then unknown to the client: the README
 * tells it to retry with the same Idempotency-Key.
 */
public class DependencyProblems {

    @ServerExceptionMapper({ BulkheadException.class, CircuitBreakerOpenException.class, TimeoutException.class,
            RequestDeadline.DeadlineExceeded.class, DependencyUnavailable.class })
    public Response unavailable(Exception e, UriInfo uri) {
        String detail = switch (e) {
            case BulkheadException b -> "too many requests are waiting for a database; retry shortly";
            case CircuitBreakerOpenException c -> "a database is failing; retry shortly";
            case RequestDeadline.DeadlineExceeded d -> "the request could not be answered within its deadline; retry";
            case DependencyUnavailable d -> "a database is unavailable; retry shortly";
            default -> "a database did not answer in time; retry shortly";
        };
        return Response.fromResponse(ProblemMappers.problem(503, ProblemType.UNAVAILABLE, detail, uri.getPath()))
                .header("Retry-After", 1).build();
    }

    /**
     * A database error that reached the edge unhandled: a lost or refused connection, or a server that cannot serve
     * now ({@link DatabaseFailures}), is a 503 like the failures above; anything else is the 500 it always was.
     */
    @ServerExceptionMapper({ ClosedConnectionException.class, DatabaseException.class, ConnectException.class })
    public Response databaseFailure(Exception e, UriInfo uri) {
        if (DatabaseFailures.unavailable(e)) {
            return unavailable(new DependencyUnavailable(e.getMessage(), e), uri);
        }
        return new ProblemMappers().unexpected(e, uri);
    }
}
