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
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * A dependency that is saturated, slow or down sheds load with a fast 503 + Retry-After (problem+json), in both
 * APIs, instead of a queue that grows or a 500. A write's 503 also says what became of the write: a bulkhead or an
 * open breaker turned it away before it started (nothing was written), while a write that timed out or lost its
 * database may still commit, whole: the client learns which by retrying with the same Idempotency-Key.
 */
public class DependencyProblems {

    @ServerExceptionMapper({ BulkheadException.class, CircuitBreakerOpenException.class, TimeoutException.class,
            RequestDeadline.DeadlineExceeded.class, DependencyUnavailable.class })
    public Response unavailable(Exception e, UriInfo uri, Request request) {
        String detail = switch (e) {
            case BulkheadException b -> "too many requests are waiting for a database";
            case CircuitBreakerOpenException c -> "a database is failing";
            case RequestDeadline.DeadlineExceeded d -> "the request could not be answered within its deadline";
            case DependencyUnavailable d -> "a database is unavailable";
            default -> "a database did not answer in time";
        };
        return Response.fromResponse(ProblemMappers.problem(503, ProblemType.UNAVAILABLE,
                detail + "; " + advice(e, request.getMethod()), uri.getPath())).header("Retry-After", 1).build();
    }

    /**
     * What the client should do. A read only retries. A write turned away before it started (bulkhead, open breaker,
     * no time left when its turn came: {@code RequestDeadline.ifTimeLeft}) wrote nothing; one that started and then
     * timed out or lost its connection may still commit with its event, so a blind retry without the key could order
     * twice.
     */
    static String advice(Exception e, String method) {
        if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) {
            return "retry shortly";
        }
        boolean notStarted = e instanceof BulkheadException || e instanceof CircuitBreakerOpenException
                || e instanceof RequestDeadline.DeadlineExceeded;
        return notStarted ? "nothing was written; retry shortly"
                : "the write may still have been applied; retry with the same Idempotency-Key to learn its outcome";
    }

    /**
     * A database error that reached the edge unhandled: a lost or refused connection, or a server that cannot serve
     * now ({@link DatabaseFailures}), is a 503 like the failures above; anything else is the 500 it always was.
     */
    @ServerExceptionMapper({ ClosedConnectionException.class, DatabaseException.class, ConnectException.class })
    public Response databaseFailure(Exception e, UriInfo uri, Request request) {
        if (DatabaseFailures.unavailable(e)) {
            return unavailable(new DependencyUnavailable(e.getMessage(), e), uri, request);
        }
        return new ProblemMappers().unexpected(e, uri);
    }
}
