package dev.orders.command.rest;

import java.util.function.Function;

import dev.orders.command.idempotency.IdempotencyService;
import dev.orders.command.idempotency.StoredResponse;
import dev.orders.command.outbox.OutboxRelay;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

/**
 * The one way every retry-safe write of this API runs: under the caller's Idempotency-Key, with the rendered response
 * stored in the write's own transaction (so a replay returns exactly what the first call returned), and the outbox
 * relay nudged once the transaction has committed.
 */
@ApplicationScoped
public class IdempotentWrites {
    private final IdempotencyService idempotency;
    private final OutboxRelay relay;

    public IdempotentWrites(IdempotencyService idempotency, OutboxRelay relay) {
        this.idempotency = idempotency;
        this.relay = relay;
    }

    /**
     * @param write  performs the write; calls the given function with the result before its transaction commits
     * @param render the response for a result (201/200, body, headers)
     * @param body   what identifies the request besides method and path (see {@link IdempotencyService#fingerprint})
     */
    public <T> Uni<Response> run(String principal, String key, String method, String path, Object body,
            Function<Function<T, Uni<Void>>, Uni<T>> write, Function<T, StoredResponse> render) {
        return idempotency.run(principal, key, idempotency.fingerprint(method, path, body),
                claim -> write.apply(result -> claim.complete(render.apply(result)))
                        .invoke(relay::nudge)
                        .map(render))
                .map(StoredResponse::toResponse);
    }
}
