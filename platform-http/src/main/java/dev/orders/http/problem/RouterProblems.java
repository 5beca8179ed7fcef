package dev.orders.http.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Errors raised by the HTTP layer before a request reaches JAX-RS (a body over the size limit is refused while it
 * is still being read) leave as problem+json too, in the same {@link Problem} shape as every other error.
 */
@ApplicationScoped
public class RouterProblems {
    private final ObjectMapper json;

    public RouterProblems(ObjectMapper json) {
        this.json = json;
    }

    void install(@Observes Router router) {
        router.errorHandler(413, ctx -> respond(ctx, 413, ProblemType.PAYLOAD_TOO_LARGE,
                "the request body exceeds the size limit"));
    }

    private void respond(RoutingContext ctx, int status, ProblemType type, String detail) {
        if (ctx.response().ended()) {
            return;
        }
        String body;
        try {
            body = json.writeValueAsString(Problem.of(type, status, detail, ctx.normalizedPath(), null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", ProblemMappers.PROBLEM_JSON.toString()).end(body);
    }
}
