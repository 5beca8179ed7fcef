package dev.orders.http.problem;

import java.util.List;

/**
 * A failure that maps to one RFC 9457 problem. {@code type} is the stable identifier clients switch on; the message
 * is the human-readable, request-specific detail.
 */
public class ProblemException extends RuntimeException {
    private final int status;
    private final ProblemType type;
    private final List<Problem.FieldError> errors;

    public ProblemException(int status, ProblemType type, String detail) {
        this(status, type, detail, null);
    }

    public ProblemException(int status, ProblemType type, String detail, List<Problem.FieldError> errors) {
        super(detail);
        this.status = status;
        this.type = type;
        this.errors = errors;
    }

    public int status() {
        return status;
    }

    public ProblemType type() {
        return type;
    }

    /** The fields (or headers, parameters) at fault, as the body's {@code errors}; null when none is named. */
    public List<Problem.FieldError> errors() {
        return errors;
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, ProblemType.NOT_FOUND, detail);
    }

    public static ProblemException unprocessable(ProblemType type, String detail) {
        return new ProblemException(422, type, detail);
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, ProblemType.VALIDATION, detail);
    }

    /** 400 naming what is wrong: a body field, a header ({@code Idempotency-Key}) or a query parameter. */
    public static ProblemException invalid(String field, String message) {
        return new ProblemException(400, ProblemType.VALIDATION, field + ": " + message,
                List.of(new Problem.FieldError(field, message)));
    }

    public static ProblemException forbidden(ProblemType type, String detail) {
        return new ProblemException(403, type, detail);
    }
}
