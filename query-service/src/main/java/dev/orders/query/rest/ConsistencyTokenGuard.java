package dev.orders.query.rest;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import dev.orders.http.problem.QueryParameterGuard;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

/**
 * A control character in the consistency token is a 400 before the request costs anything more, as one in a query
 * parameter is ({@link QueryParameterGuard}): no token this API issues holds one.
 */
public class ConsistencyTokenGuard {

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 100)
    public Response rejectControlCharacters(ContainerRequestContext request) {
        String token = request.getHeaderString(OrderQueryResource.CONSISTENCY_TOKEN);
        if (token != null && QueryParameterGuard.hasControl(token)) {
            return ProblemMappers.problem(400, ProblemType.VALIDATION,
                    "header " + OrderQueryResource.CONSISTENCY_TOKEN + " contains a control character",
                    request.getUriInfo().getPath());
        }
        return null;
    }
}
