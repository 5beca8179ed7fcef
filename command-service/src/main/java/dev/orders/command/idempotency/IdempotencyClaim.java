package dev.orders.command.idempotency;

import io.smallrye.mutiny.Uni;

/**
 * The right to execute a request under an Idempotency-Key. {@link #complete} must run inside the transaction of the
 * change, so the stored response commits or rolls back together with it.
 */
public interface IdempotencyClaim {
    /** No key was sent: nothing to record. */
    IdempotencyClaim NONE = response -> Uni.createFrom().voidItem();

    Uni<Void> complete(StoredResponse response);
}
