package dev.orders.http.problem;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Errors raised by the HTTP layer before a request reaches JAX-RS (a body over the size limit is refused while it
 * is still being read) leave as problem+json too, like every other error.
 */
@ApplicationScoped
public class RouterProblems {

    void install(@Observes Router router) {
        router.errorHandler(413, ctx -> respond(ctx, 413, ProblemType.PAYLOAD_TOO_LARGE,
                "the request body exceeds the size limit"));
    }

    private static void respond(RoutingContext ctx, int status, ProblemType type, String detail) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
                .end(new JsonObject().put("type", type.uri().toString()).put("title", type.title())
                        .put("status", status).put("detail", detail).put("instance", ctx.normalizedPath()).encode());
    }
}
