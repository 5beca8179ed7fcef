package dev.orders.http.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Errors raised by the HTTP layer before a request reaches JAX-RS leave as problem+json too, in the same
 * {@link Problem} shape as every other error: a body over {@code quarkus.http.limits.max-body-size}, whether its
 * {@code Content-Length} announces it (refused before a byte of it is read) or a chunked body grows past it.
 */
@ApplicationScoped
public class RouterProblems {
    private final ObjectMapper json;
    private final long maxBodySize;

    public RouterProblems(ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> maxBodySize) {
        this.json = json;
        this.maxBodySize = maxBodySize.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
    }

    void install(@Observes Router router) {
        // Quarkus's own check (at ROUTE_ORDER_UPLOAD_LIMIT) answers an announced oversized body with an empty 413; this
        // one runs just before it and says why.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::refuseAnnouncedOversize);
        router.errorHandler(413, ctx -> respond(ctx, 413, ProblemType.PAYLOAD_TOO_LARGE, tooLarge()));
    }

    private void refuseAnnouncedOversize(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long announced;
        try {
            announced = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            announced = -1; // Netty's codec refuses a malformed Content-Length before this runs
        }
        if (announced <= maxBodySize) {
            ctx.next();
            return;
        }
        // The body is not read: close the connection after the answer rather than drain what the client still sends.
        // addEndHandler, never response().endHandler(): that would replace the handler through which every end
        // handler of the request runs, AdmissionControl's release of its in-flight slot included (64 such requests
        // left the write API answering nothing but 503; HostileInputTest).
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ctx.addEndHandler(v -> ctx.request().connection().close());
        respond(ctx, 413, ProblemType.PAYLOAD_TOO_LARGE, tooLarge());
    }

    private String tooLarge() {
        return "the request body exceeds the size limit of " + maxBodySize + " bytes";
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
