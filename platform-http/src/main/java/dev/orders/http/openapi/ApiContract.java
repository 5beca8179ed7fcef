package dev.orders.http.openapi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;

/**
 * What every operation of both APIs can answer besides its own success, written into the OpenAPI document once
 * instead of on each method: the problem+json schema, with an example, on each error status the platform itself
 * produces (400 malformed or invalid, 401/403, 404 for a path with an id, 413/415 for a body, 429 where rate limits
 * apply, 503 with Retry-After, 500), and the RateLimit-* headers on the read API's answers. Statuses a resource
 * declares itself (409, 412, 422, ...) keep their description and get the problem schema. Registered with
 * {@code mp.openapi.filter}.
 */
public class ApiContract implements OASFilter {
    static final String PROBLEM = "Problem";
    private static final String PROBLEM_REF = "#/components/schemas/" + PROBLEM;
    private static final String RETRY_AFTER = "Retry-After";
    private static final List<String> RATE_LIMIT_HEADERS = List.of("RateLimit-Limit", "RateLimit-Remaining",
            "RateLimit-Reset");

    private record Example(ProblemType type, String detail, String description) {
    }

    private static final Map<Integer, Example> PLATFORM_ERRORS = new LinkedHashMap<>();
    static {
        PLATFORM_ERRORS.put(400, new Example(ProblemType.MALFORMED_BODY,
                "field 'items[0].quantity': expected an integer, got 1.5",
                "Malformed request: a body, parameter or header that is not valid for this endpoint"));
        PLATFORM_ERRORS.put(401, new Example(ProblemType.UNAUTHORIZED, "a valid bearer token is required",
                "No bearer token, or one that is expired, not signed by the issuer or not for this audience"));
        PLATFORM_ERRORS.put(403, new Example(ProblemType.FORBIDDEN, "the caller's role does not allow this operation",
                "The token's groups or subject do not allow this operation"));
        PLATFORM_ERRORS.put(404, new Example(ProblemType.NOT_FOUND, "no order 3f6c2a4e-0b7d-4c43-9a55-2f0d1f0c9e11",
                "No such resource visible to the caller"));
        PLATFORM_ERRORS.put(413, new Example(ProblemType.PAYLOAD_TOO_LARGE,
                "the request body exceeds the size limit of 65536 bytes", "The body is over the size limit"));
        PLATFORM_ERRORS.put(415, new Example(ProblemType.UNSUPPORTED_MEDIA_TYPE, "HTTP 415 Unsupported Media Type",
                "The body is not application/json"));
        PLATFORM_ERRORS.put(429, new Example(ProblemType.RATE_LIMITED, "rate limit of 600 requests per 60 s exceeded",
                "The caller's rate limit is spent; Retry-After says when it refills"));
        PLATFORM_ERRORS.put(500, new Example(ProblemType.INTERNAL, "unexpected error; it has been logged",
                "Unexpected error"));
        PLATFORM_ERRORS.put(503, new Example(ProblemType.UNAVAILABLE, "the database is not answering; retry later",
                "Overloaded, or a dependency is down or slow: retry after Retry-After seconds"));
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        boolean rateLimited = ConfigProvider.getConfig().getOptionalValue("orders.rate-limit.enabled", Boolean.class)
                .orElse(false);
        if (api.getComponents() == null) {
            api.setComponents(OASFactory.createComponents());
        }
        api.getComponents().addSchema(PROBLEM, problemSchema());
        if (api.getPaths() == null || api.getPaths().getPathItems() == null) {
            return;
        }
        api.getPaths().getPathItems().forEach((path, item) -> item.getOperations().values()
                .forEach(op -> complete(path, op, rateLimited)));
    }

    private static void complete(String path, Operation op, boolean rateLimited) {
        if (op.getResponses() == null) {
            op.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = op.getResponses();
        List<Integer> statuses = new java.util.ArrayList<>(List.of(400, 401, 403, 500, 503));
        if (path.contains("{")) {
            statuses.add(404);
        }
        if (op.getRequestBody() != null) {
            statuses.addAll(List.of(413, 415));
        }
        if (rateLimited) {
            statuses.add(429);
        }
        for (int status : statuses) {
            Example example = PLATFORM_ERRORS.get(status);
            APIResponse response = responses.getAPIResponse(String.valueOf(status));
            if (response == null) {
                responses.addAPIResponse(String.valueOf(status),
                        OASFactory.createAPIResponse().description(example.description()));
            }
        }
        // every error status, declared here or by the resource, answers problem+json
        Map<String, APIResponse> sorted = new TreeMap<>(responses.getAPIResponses());
        sorted.forEach((code, response) -> {
            int status = code.matches("\\d{3}") ? Integer.parseInt(code) : 0;
            if (status >= 400) {
                Example example = PLATFORM_ERRORS.getOrDefault(status, null);
                response.setContent(problemContent(status, example, response.getDescription()));
                if (status == 503 || status == 429) {
                    response.addHeader(RETRY_AFTER, header("Seconds to wait before retrying", "integer"));
                }
            }
            if (rateLimited && (status < 300 || status == 304 || status == 429)) {
                RATE_LIMIT_HEADERS.forEach(h -> response.addHeader(h, header(switch (h) {
                    case "RateLimit-Limit" -> "Requests allowed per window for this caller and route class";
                    case "RateLimit-Remaining" -> "Requests left in the current window";
                    default -> "Seconds until the window resets";
                }, "integer")));
            }
        });
        responses.setAPIResponses(sorted);
    }

    private static Content problemContent(int status, Example example, String description) {
        Map<String, Object> value = new LinkedHashMap<>();
        ProblemType type = example != null ? example.type() : ProblemType.of("…", description);
        value.put("type", type.uri().toString());
        value.put("title", type.title());
        value.put("status", status);
        value.put("detail", example != null ? example.detail() : description);
        value.put("instance", "/orders");
        MediaType media = OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF));
        if (example != null) {
            media.addExample("problem", OASFactory.createExample().value(value));
        }
        return OASFactory.createContent().addMediaType(ProblemMappers.PROBLEM_JSON.toString(), media);
    }

    private static Header header(String description, String type) {
        return OASFactory.createHeader().description(description)
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.valueOf(type.toUpperCase())));
    }

    /** RFC 9457 problem details, as {@code Problem} serializes them. */
    private static Schema problemSchema() {
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        Schema fieldError = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .addProperty("field", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("The field, parameter or header at fault, e.g. items[0].quantity"))
                .addProperty("message", string)
                .required(List.of("field", "message"));
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details; clients switch on `type`, which never changes meaning")
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri")
                        .description("Stable problem type, urn:orders:problem:<slug>"))
                .addProperty("title", string)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER).format("int32"))
                .addProperty("detail", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("What was wrong, for a human"))
                .addProperty("instance", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("The request path"))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(fieldError)
                        .description("Field-level errors, when there are any"))
                .required(List.of("type", "title", "status"));
    }
}
