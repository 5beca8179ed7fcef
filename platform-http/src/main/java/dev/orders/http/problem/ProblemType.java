package dev.orders.http.problem;

import java.net.URI;

/**
 * A stable problem type: clients switch on {@link #uri()}, so a type is never renamed. The families both APIs share
 * are constants here; a service declares its own domain types with {@link #of(String, String)}.
 */
public record ProblemType(URI uri, String title) {
    public static final String PREFIX = "urn:orders:problem:";

    public static final ProblemType VALIDATION = of("validation", "Request is not valid");
    public static final ProblemType MALFORMED_BODY = of("malformed-body", "Request body is not valid JSON for this endpoint");
    public static final ProblemType NOT_FOUND = of("not-found", "Resource not found");
    public static final ProblemType UNAUTHORIZED = of("unauthorized", "Authentication required");
    public static final ProblemType FORBIDDEN = of("forbidden", "Not allowed");
    public static final ProblemType METHOD_NOT_ALLOWED = of("method-not-allowed", "Method not allowed");
    public static final ProblemType UNSUPPORTED_MEDIA_TYPE = of("unsupported-media-type", "Unsupported media type");
    public static final ProblemType NOT_ACCEPTABLE = of("not-acceptable", "Not acceptable");
    public static final ProblemType PAYLOAD_TOO_LARGE = of("payload-too-large", "Request body too large");
    public static final ProblemType PRECONDITION_FAILED = of("precondition-failed", "Precondition failed");
    public static final ProblemType RATE_LIMITED = of("rate-limited", "Too many requests");
    public static final ProblemType UNAVAILABLE = of("unavailable", "Service temporarily unavailable");
    public static final ProblemType INTERNAL = of("internal", "Internal error");

    public static ProblemType of(String slug, String title) {
        return new ProblemType(URI.create(PREFIX + slug), title);
    }
}
