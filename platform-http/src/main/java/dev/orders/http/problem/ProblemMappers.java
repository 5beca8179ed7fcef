package dev.orders.http.problem;

import java.util.Comparator;
import java.util.List;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** Every error of both APIs leaves as {@code application/problem+json}; one mapper per error family. */
public class ProblemMappers {
    public static final MediaType PROBLEM_JSON = new MediaType("application", "problem+json");
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        Response r = respond(e.status(), e.type(), e.getMessage(), uri, e.errors());
        // every 503 says when to come back
        return e.status() == 503 ? Response.fromResponse(r).header("Retry-After", 1).build() : r;
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, UriInfo uri) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldOf(v.getPropertyPath().toString()), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).reduce((a, b) -> a + "; " + b)
                .orElse("invalid request");
        return respond(400, ProblemType.VALIDATION, detail, uri, errors);
    }

    /** Declared for the subtype too, so it wins over quarkus-rest-jackson's built-in plain-JSON mapper. */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return malformedJson(e, uri);
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e, UriInfo uri) {
        JsonError error = JsonError.of(e);
        return respond(400, ProblemType.MALFORMED_BODY, error.detail(), uri,
                List.of(new Problem.FieldError(error.field(), error.message())));
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthorized(RuntimeException e, UriInfo uri) {
        return Response.fromResponse(respond(401, ProblemType.UNAUTHORIZED, "a valid bearer token is required", uri,
                null)).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(403, ProblemType.FORBIDDEN, "the caller's role does not allow this operation", uri, null);
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        ProblemType type = switch (e) {
            case NotFoundException n -> ProblemType.NOT_FOUND;
            case NotAllowedException n -> ProblemType.METHOD_NOT_ALLOWED;
            case NotSupportedException n -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
            case NotAcceptableException n -> ProblemType.NOT_ACCEPTABLE;
            default -> status == 413 ? ProblemType.PAYLOAD_TOO_LARGE
                    : status >= 500 ? ProblemType.INTERNAL : ProblemType.VALIDATION;
        };
        // A JSON body that Jackson could not bind arrives wrapped; unwrap it so the client learns which field.
        if (e.getCause() instanceof JsonProcessingException jpe) {
            return malformedJson(jpe, uri);
        }
        Response.ResponseBuilder builder = Response.fromResponse(respond(status, type, e.getMessage(), uri, null));
        if (e instanceof NotAllowedException) {
            builder.header("Allow", e.getResponse().getHeaderString("Allow"));
        }
        return builder.build();
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        LOG.errorf(e, "unhandled error on %s", uri.getPath());
        return respond(500, ProblemType.INTERNAL, "unexpected error; it has been logged", uri, null);
    }

    /** A problem response built outside a mapper (e.g. by a request filter that aborts). */
    public static Response problem(int status, ProblemType type, String detail, String instance) {
        return Response.status(status).type(PROBLEM_JSON).entity(Problem.of(type, status, detail, instance, null))
                .build();
    }

    static Response respond(int status, ProblemType type, String detail, UriInfo uri, List<Problem.FieldError> errors) {
        return Response.status(status).type(PROBLEM_JSON)
                .entity(Problem.of(type, status, detail, uri == null ? null : uri.getPath(), errors)).build();
    }

    /** "create.request.items[0].quantity" → "items[0].quantity": drop the method and parameter names. */
    private static String fieldOf(String propertyPath) {
        String[] parts = propertyPath.split("\\.", 3);
        return parts.length == 3 ? parts[2] : propertyPath;
    }
}
