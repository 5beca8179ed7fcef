package dev.orders.query.rest;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import dev.orders.query.repository.OrderViewReads;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * The read model's own problems. Saturated, slow or failing databases and caches are answered by platform-http's
 * {@code DependencyProblems}.
 */
public class ReadModelProblems {

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
