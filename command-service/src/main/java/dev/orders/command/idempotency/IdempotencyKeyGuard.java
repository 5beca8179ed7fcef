package dev.orders.command.idempotency;

import java.util.List;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.orders.http.problem.ProblemException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;

/**
 * A malformed {@code Idempotency-Key} is a 400 naming the header on every endpoint, before any other work. Here
 * rather than in the resources because {@code @HeaderParam} reads an empty header as no header at all, which would
 * turn a client's bug into a write without its retry guarantee; {@link IdempotencyService} checks again.
 */
public class IdempotencyKeyGuard {
    public static final String HEADER = "Idempotency-Key";

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 100)
    public void checkKey(ContainerRequestContext request) {
        List<String> keys = request.getHeaders().get(HEADER);
        if (keys == null || keys.isEmpty()) {
            return;
        }
        if (keys.size() > 1) {
            throw ProblemException.invalid(HEADER, "send it once");
        }
        IdempotencyService.checkKey(keys.get(0));
    }
}
