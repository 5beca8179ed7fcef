package dev.orders.http.problem;

import jakarta.ws.rs.core.Response;

/**
 * A failure that maps to one RFC 9457 problem. {@code type} is the stable identifier clients switch on; {@code detail}
 * is the human-readable, request-specific explanation.
 */
public class ProblemException extends RuntimeException {
    private final Response.StatusType status;
    private final ProblemType type;

    public ProblemException(Response.StatusType status, ProblemType type, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
    }

    public Response.StatusType status() {
        return status;
    }

    public ProblemType type() {
        return type;
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Response.Status.NOT_FOUND, ProblemType.NOT_FOUND, detail);
    }

    public static ProblemException unprocessable(ProblemType type, String detail) {
        return new ProblemException(Response.Status.fromStatusCode(422), type, detail);
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(Response.Status.BAD_REQUEST, ProblemType.VALIDATION, detail);
    }
}
