package dev.orders.http.paging;

import java.util.UUID;

import dev.orders.http.problem.ProblemException;

/** Path and query parameters parsed by hand, so a malformed one is a precise 400 problem (JAX-RS would answer 404). */
public final class RequestParams {
    private RequestParams() {
    }

    /** {@code raw} as a UUID; {@code what} names it in the 400 detail, e.g. "order id". */
    public static UUID uuid(String raw, String what) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.badRequest(what + " must be a UUID, got '" + raw + "'");
        }
    }
}
