package dev.orders.http.problem;

/**
 * A failure that maps to one RFC 9457 problem. {@code type} is the stable identifier clients switch on; the message
 * is the human-readable, request-specific detail.
 */
public class ProblemException extends RuntimeException {
    private final int status;
    private final ProblemType type;

    public ProblemException(int status, ProblemType type, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
    }

    public int status() {
        return status;
    }

    public ProblemType type() {
        return type;
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

    public static ProblemException forbidden(ProblemType type, String detail) {
        return new ProblemException(403, type, detail);
    }
}
