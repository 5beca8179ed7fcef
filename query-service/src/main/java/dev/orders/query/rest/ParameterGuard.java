package dev.orders.query.rest;

import java.util.List;
import java.util.Map;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

/**
 * A control character (NUL, newline, escape…) in any query parameter or in the consistency token is a 400 before the
 * request costs anything more: no search term, date or id legitimately holds one, and a NUL would otherwise reach
 * Postgres, which refuses it only after a round trip.
 */
public class ParameterGuard {

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 100)
    public Response rejectControlCharacters(ContainerRequestContext request, HttpServerRequest http) {
        String token = request.getHeaderString(OrderQueryResource.CONSISTENCY_TOKEN);
        if (token != null && hasControl(token)) {
            return bad(request, "header " + OrderQueryResource.CONSISTENCY_TOKEN);
        }
        // Vert.x's raw query string: asking JAX-RS's UriInfo for it parsed the whole request URI into a java.net.URI
        // on every request (about 4 % of a cached read's CPU)
        if (http.query() == null) {
            return null; // the common case: nothing to decode
        }
        for (Map.Entry<String, List<String>> p : request.getUriInfo().getQueryParameters().entrySet()) {
            if (hasControl(p.getKey())) {
                return bad(request, "a parameter name");
            }
            for (String v : p.getValue()) {
                if (hasControl(v)) {
                    return bad(request, "parameter '" + p.getKey() + "'");
                }
            }
        }
        return null;
    }

    static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.getType(s.charAt(i)) == Character.CONTROL) {
                return true;
            }
        }
        return false;
    }

    private static Response bad(ContainerRequestContext request, String where) {
        return ProblemMappers.problem(400, ProblemType.VALIDATION, where + " contains a control character",
                request.getUriInfo().getPath());
    }
}
