package dev.orders.http.problem;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;

/**
 * A query parameter the matched endpoint does not declare is a 400 that names it and lists the ones it takes, before
 * the request costs anything more. Ignored, a misspelt filter ({@code from} for {@code createdFrom}, {@code Status})
 * would answer 200 with an unfiltered list that the caller takes for the filtered one. Post-matching: an unknown path
 * is still a 404.
 */
public class UnknownQueryParameters {
    /** Each endpoint's declared query parameters, read once from its {@link QueryParam}s. */
    private static final Map<Method, Set<String>> DECLARED = new ConcurrentHashMap<>();

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 90)
    public Response rejectUnknown(ContainerRequestContext request, HttpServerRequest http, ResourceInfo resource) {
        // Vert.x's raw query string: the common case, no query at all, parses nothing
        if (http.query() == null || resource.getResourceMethod() == null) {
            return null;
        }
        Set<String> declared = DECLARED.computeIfAbsent(resource.getResourceMethod(), UnknownQueryParameters::declared);
        for (String name : request.getUriInfo().getQueryParameters().keySet()) {
            if (!declared.contains(name)) {
                return ProblemMappers.problem(400, ProblemType.VALIDATION, "unknown query parameter '" + name + "'"
                        + (declared.isEmpty() ? ": this endpoint takes none" : "; this endpoint takes "
                                + String.join(", ", declared)),
                        request.getUriInfo().getPath());
            }
        }
        return null;
    }

    private static Set<String> declared(Method method) {
        Set<String> names = new TreeSet<>();
        for (Annotation[] parameter : method.getParameterAnnotations()) {
            for (Annotation a : parameter) {
                if (a instanceof QueryParam q) {
                    names.add(q.value());
                }
            }
        }
        return names;
    }
}
