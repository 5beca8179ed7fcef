package dev.orders.http.problem;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** RFC 9457 problem details body. {@code errors} lists field-level violations when there are any. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(URI type, String title, int status, String detail, String instance, List<FieldError> errors) {

    public static Problem of(ProblemType type, int status, String detail, String instance, List<FieldError> errors) {
        return new Problem(type.uri(), type.title(), status, detail, instance, errors);
    }

    public record FieldError(String field, String message) {
    }
}
