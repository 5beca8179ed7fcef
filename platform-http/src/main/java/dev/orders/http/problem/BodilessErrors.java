package dev.orders.http.problem;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;

/**
 * An error response a resource built without a body leaves as problem+json too, in the same {@link Problem} shape as
 * every other error, typed by its status: JAX-RS's {@code Request.evaluatePreconditions} answers a failed
 * {@code If-Match} with a bare 412 (the read API's single order), which a client switching on {@code type} could not
 * tell from a proxy's answer (HostileInputTest).
 */
public class BodilessErrors {

    @ServerResponseFilter
    public void problemForBodilessErrors(ContainerRequestContext request, ContainerResponseContext response) {
        int status = response.getStatus();
        if (status < 400 || response.hasEntity()) {
            return;
        }
        response.setEntity(Problem.of(typeOf(status), status, detailOf(status), request.getUriInfo().getPath(), null),
                null, ProblemMappers.PROBLEM_JSON);
    }

    static ProblemType typeOf(int status) {
        return switch (status) {
            case 401 -> ProblemType.UNAUTHORIZED;
            case 403 -> ProblemType.FORBIDDEN;
            case 404 -> ProblemType.NOT_FOUND;
            case 405 -> ProblemType.METHOD_NOT_ALLOWED;
            case 406 -> ProblemType.NOT_ACCEPTABLE;
            case 412 -> ProblemType.PRECONDITION_FAILED;
            case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
            case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
            case 429 -> ProblemType.RATE_LIMITED;
            case 503 -> ProblemType.UNAVAILABLE;
            default -> status >= 500 ? ProblemType.INTERNAL : ProblemType.VALIDATION;
        };
    }

    private static String detailOf(int status) {
        if (status == 412) {
            return "If-Match does not name the current version of the resource (its ETag)";
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        return known == null ? "HTTP " + status : known.getReasonPhrase();
    }
}
