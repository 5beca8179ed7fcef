package dev.orders.query.rest;

import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.orders.http.admission.RequestDeadline;
import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import dev.orders.query.repository.OrderViewReads;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** A dependency that is saturated, slow or broken sheds load with 503 + Retry-After instead of queueing. */
public class FaultToleranceMappers {

    @ServerExceptionMapper({ BulkheadException.class, CircuitBreakerOpenException.class, TimeoutException.class,
            RequestDeadline.DeadlineExceeded.class })
    public Response unavailable(Exception e, UriInfo uri) {
        String detail = switch (e) {
            case BulkheadException b -> "too many concurrent reads; retry shortly";
            case CircuitBreakerOpenException c -> "a read database is failing; retry shortly";
            case RequestDeadline.DeadlineExceeded d -> "the read could not be answered within its deadline; retry shortly";
            default -> "a read database did not answer in time; retry shortly";
        };
        return Response.fromResponse(ProblemMappers.problem(503, ProblemType.UNAVAILABLE, detail, uri.getPath()))
                .header("Retry-After", 1).build();
    }

    /** The read model's tables are not there yet: not this service's bug, and not the client's. */
    @ServerExceptionMapper
    public Response readSchemaMissing(OrderViewReads.ReadSchemaMissing e, UriInfo uri) {
        return Response.fromResponse(ProblemMappers.problem(503, ProblemType.UNAVAILABLE,
                "the read model is not set up yet: the projector migrates the read database when it starts "
                        + "(locally: deploy/local/up --infra runs the migrations)",
                uri.getPath())).header("Retry-After", 5).build();
    }

    /** Postgres refused a value the client sent (e.g. a byte sequence that is not valid text). */
    @ServerExceptionMapper
    public Response rejectedInput(OrderViewReads.RejectedInput e, UriInfo uri) {
        return ProblemMappers.problem(400, ProblemType.VALIDATION,
                "a parameter holds a value the database cannot take", uri.getPath());
    }
}
