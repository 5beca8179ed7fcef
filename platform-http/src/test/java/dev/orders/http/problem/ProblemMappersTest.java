package dev.orders.http.problem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.http.json.StrictJson;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** Each error family leaves as problem+json with its stable type, status, a detail naming the culprit, and headers. */
class ProblemMappersTest {
    record Line(String productId, Integer quantity) {
    }

    record Order(java.util.List<Line> items, String note) {
    }

    /** The services' mapper: StrictJson on top of failing on unknown fields (command-service's setting). */
    private static final ObjectMapper STRICT = StrictJson.configure(new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
    private final ProblemMappers mappers = new ProblemMappers();
    private final UriInfo uri = (UriInfo) Proxy.newProxyInstance(UriInfo.class.getClassLoader(),
            new Class<?>[] { UriInfo.class }, (proxy, method, args) -> method.getName().equals("getPath") ? "/orders" : null);

    private static Problem problem(Response r) {
        assertEquals(ProblemMappers.PROBLEM_JSON, r.getMediaType());
        return (Problem) r.getEntity();
    }

    private static JsonProcessingException parseError(String json) {
        return assertThrows(JsonProcessingException.class, () -> STRICT.readValue(json, Line.class));
    }

    private static Problem rejected(String orderJson) {
        var e = assertThrows(JsonProcessingException.class, () -> STRICT.readValue(orderJson, Order.class),
                "accepted: " + orderJson);
        Response r = new ProblemMappers().malformedJson(e, null);
        assertEquals(400, r.getStatus());
        assertEquals(ProblemType.MALFORMED_BODY.uri(), problem(r).type());
        return problem(r);
    }

    @Test
    void noScalarIsCoercedAndEachRejectionNamesItsField() {
        assertEquals("items[0].quantity", rejected("{\"items\":[{\"productId\":\"p\",\"quantity\":1.5}]}")
                .errors().get(0).field());
        Problem quoted = rejected("{\"items\":[{\"productId\":\"p\",\"quantity\":\"2\"}]}");
        assertEquals("field 'items[0].quantity': expected an integer, got the string \"2\"", quoted.detail());
        assertEquals("items[0].quantity", rejected("{\"items\":[{\"productId\":\"p\",\"quantity\":true}]}")
                .errors().get(0).field());
        assertEquals("items[0].productId", rejected("{\"items\":[{\"productId\":7,\"quantity\":1}]}")
                .errors().get(0).field());
        assertEquals("note", rejected("{\"items\":[],\"note\":false}").errors().get(0).field());
        assertEquals("items", rejected("{\"items\":{\"productId\":\"p\"}}").errors().get(0).field());
    }

    @Test
    void aDuplicateKeyIsNamedWhereverItIs() {
        assertEquals("items", rejected("{\"items\":[],\"items\":[]}").errors().get(0).field());
        Problem nested = rejected("{\"items\":[{\"quantity\":1,\"quantity\":2}]}");
        assertEquals("items[0].quantity", nested.errors().get(0).field());
        assertEquals("appears more than once", nested.errors().get(0).message());
    }

    @Test
    void trailingTokensAndDeepNestingAreRejected() {
        assertEquals("(body)", rejected("{\"items\":[]} {}").errors().get(0).field());
        assertEquals("unexpected content after the JSON value", rejected("{\"items\":[]} []").detail());
        assertTrue(rejected("{\"items\":[]}x").detail().startsWith("malformed JSON at line 1, column 13"));
        String deep = "[".repeat(1000) + "]".repeat(1000);
        var e = assertThrows(JsonProcessingException.class, () -> STRICT.readValue(deep, Object.class));
        String detail = problem(new ProblemMappers().malformedJson(e, null)).detail();
        assertTrue(detail.startsWith("too deeply nested"), detail);
    }

    record Internal(String id, @com.fasterxml.jackson.annotation.JsonIgnore long revision) {
    }

    @Test
    void aStrictMapperStillReadsWhatIsValid() throws Exception {
        // a record whose primitive component is deliberately not in the JSON (the read API's cached entries)
        assertEquals("x", STRICT.readValue("{\"id\":\"x\"}", Internal.class).id());
        Order ok = STRICT.readValue("{\"items\":[{\"productId\":\"p\",\"quantity\":2}],\"note\":\"n\"}",
                Order.class);
        assertEquals(2, ok.items().get(0).quantity());
    }

    @Test
    void echoedNamesAreShortAndEscaped() {
        Problem p = rejected("{\"items\":[],\"a\\u0000b\":1}");
        assertEquals("a\\u0000b", p.errors().get(0).field());
        String longName = "x".repeat(500);
        assertTrue(rejected("{\"" + longName + "\":1}").errors().get(0).field().length() < 70);
    }

    @Test
    void anUnknownFieldIsNamed() {
        Response r = mappers.malformedJson(parseError("{\"productId\":\"p\",\"quantity\":1,\"colour\":\"red\"}"), uri);
        assertEquals(400, r.getStatus());
        assertEquals(ProblemType.MALFORMED_BODY.uri(), problem(r).type());
        assertEquals("field 'colour': unknown field", problem(r).detail());
        assertEquals("colour", problem(r).errors().get(0).field());
        assertEquals("/orders", problem(r).instance());
    }

    @Test
    void aValueOfTheWrongTypeNamesItsField() {
        Response r = mappers.malformedJson(parseError("{\"productId\":\"p\",\"quantity\":\"many\"}"), uri);
        assertEquals(400, r.getStatus());
        assertTrue(problem(r).detail().startsWith("field 'quantity'"), problem(r).detail());
    }

    @Test
    void aBindingErrorWrappedByJaxRsIsUnwrappedToItsField() {
        var wrapped = new WebApplicationException(parseError("{\"productId\":\"p\",\"quantity\":\"many\"}"), 400);
        Response r = mappers.webApplication(wrapped, uri);
        assertEquals(ProblemType.MALFORMED_BODY.uri(), problem(r).type());
        assertTrue(problem(r).detail().contains("quantity"), problem(r).detail());
    }

    @Test
    void every503SaysWhenToComeBack() {
        Response r = mappers.problem(new ProblemException(503, ProblemType.UNAVAILABLE, "down"), uri);
        assertEquals(503, r.getStatus());
        assertEquals("1", r.getHeaderString("Retry-After"));
        Response notFound = mappers.problem(ProblemException.notFound("no order"), uri);
        assertEquals(null, notFound.getHeaderString("Retry-After"), "only 503s carry Retry-After");
    }

    @Test
    void unauthorizedAsksForABearerToken() {
        Response r = mappers.unauthorized(new UnauthorizedException(), uri);
        assertEquals(401, r.getStatus());
        assertEquals("Bearer", r.getHeaderString("WWW-Authenticate"));
        assertEquals(ProblemType.UNAUTHORIZED.uri(), problem(r).type());
    }

    @Test
    void methodNotAllowedKeepsTheAllowHeader() {
        Response r = mappers.webApplication(new NotAllowedException("GET", new String[] { "POST" }), uri);
        assertEquals(405, r.getStatus());
        assertEquals(ProblemType.METHOD_NOT_ALLOWED.uri(), problem(r).type());
        assertTrue(r.getHeaderString("Allow").contains("POST"), r.getHeaderString("Allow"));
    }

    @Test
    void anythingElseIsAnInternalProblemWithoutItsMessage() {
        Response r = mappers.unexpected(new IllegalStateException("secret detail"), uri);
        assertEquals(500, r.getStatus());
        assertEquals(ProblemType.INTERNAL.uri(), problem(r).type());
        assertTrue(!problem(r).detail().contains("secret"), "internal messages do not leak");
        assertEquals(null, problem(r).errors());
    }
}
