package dev.orders.query.rest;

import static dev.orders.testing.Hostile.pick;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.orders.http.admission.AdmissionControl;
import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.testing.Hostile;
import dev.orders.testing.Hostile.BadTokens;
import dev.orders.testing.Hostile.Probe;
import dev.orders.testing.RawHttp;
import dev.orders.testing.RawHttp.Reply;
import dev.orders.testing.RawHttp.Request;
import dev.orders.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;

/**
 * Hostile input against the read API, on the real stack: a table of requests (wrong types and ranges of every
 * parameter, encodings, control characters in paths, parameters and headers, bad credentials, cursors and consistency
 * tokens, preconditions, every method on every route, bodies of every content type, path tricks), each with the 4xx it
 * must get, then 10,000 generated requests with random parameters. Every answer is below 500 (but a 503 the read
 * model's lag may earn, counted), and every 4xx is problem+json with a {@code type} and the {@code status} (issue 14).
 * The rate limits are raised so the generated requests reach the handlers instead of the limiter.
 */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
@TestProfile(HostileInputTest.GenerousLimits.class)
class HostileInputTest {
    /**
     * An operator of this class's own: rate-limit windows are kept per principal in Redis, and thousands of requests
     * under the shared ops subject would leave the next test class's operator over its limit (429).
     */
    private static final String OPS = "Bearer " + Tokens.opsClaims().subject(UUID.randomUUID().toString())
            .upn("hostile-ops-" + UUID.randomUUID()).sign();


    public static class GenerousLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orders.rate-limit.classes.read.limit", "10000000",
                    "orders.rate-limit.classes.search.limit", "10000000");
        }
    }

    static final String PROBLEM = "urn:orders:problem:";
    /**
     * Refused by the HTTP codec (Vert.x) before any of this application runs: not HTTP/1.1 as RFC 9112 allows (a
     * control character in a header, a raw non-ASCII byte or a malformed percent escape in the target) or over the
     * codec's limits (request line 4 KB, headers 20 KB). Vert.x answers with a bare 400/414/431 and closes the
     * connection; Quarkus has no hook for its invalid-request handler, so these are the only 4xx that are not
     * problem+json. The status is still asserted.
     */
    static final String TRANSPORT = "(transport)";
    /** A version-7 id no order has, and an id of a version no order id has. */
    static final String NO_ORDER = "01900000-0000-7000-8000-00000000dead";
    static final String V4 = "b0000000-0000-4000-8000-00000000dead";

    @Inject
    ReadModelFixture fixture;
    @Inject
    AdmissionControl admission;

    /** This test's customer, its orders (newest last) and a cursor of its first page of two. */
    static UUID customer;
    static List<UUID> orders;
    static String cursor;

    @BeforeEach
    void ownOrders() {
        if (customer != null) {
            return;
        }
        UUID c = UUID.randomUUID();
        List<UUID> ids = new ArrayList<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String[] statuses = { "PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED" };
        for (int i = 12; i >= 0; i--) {
            ids.add(fixture.insertOrder(c, now.minus(i * 5L, ChronoUnit.DAYS), statuses[i % statuses.length], 1,
                    i % 2 == 0 ? "Widget" : "Keyboard"));
        }
        ids.forEach(fixture::awaitOnReplica);
        cursor = given().header("Authorization", Tokens.customer(c)).get("/orders?limit=2").then().statusCode(200)
                .extract().path("nextCursor");
        assertNotNull(cursor);
        orders = List.copyOf(ids);
        customer = c;
    }

    /** A case of the table: who calls, the request, the status it must get and the problem type (null: any). */
    record Case(String auth, Request request, int status, String type) {
        @Override
        public String toString() {
            return request.toString();
        }
    }

    static Arguments c(String name, String auth, Request request, int status, String type) {
        return Arguments.of(name, new Case(auth, request, status,
                type == null || type.equals(TRANSPORT) ? type : PROBLEM + type));
    }

    static Request get(String target) {
        return Request.of("GET", target);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** {@code {ORDER}}, {@code {CUSTOMER}} and {@code {CURSOR}} in a target or header stand for this test's data. */
    static Stream<Arguments> cases() {
        String order = "/orders/{ORDER}";
        String month = "createdFrom=2026-01-01T00:00:00Z&createdTo=2026-01-20T00:00:00Z";
        return Stream.of(
                // --- types and ranges of parameters ---------------------------------------------------------------
                c("limit abc", "cust", get("/orders?limit=abc"), 400, "validation"),
                c("limit 0", "cust", get("/orders?limit=0"), 400, "validation"),
                c("limit -1", "cust", get("/orders?limit=-1"), 400, "validation"),
                c("limit 101", "cust", get("/orders?limit=101"), 400, "validation"),
                c("limit 1.5", "cust", get("/orders?limit=1.5"), 400, "validation"),
                c("limit 1e1", "cust", get("/orders?limit=1e1"), 400, "validation"),
                c("limit 0x10", "cust", get("/orders?limit=0x10"), 400, "validation"),
                c("limit 2147483648", "cust", get("/orders?limit=2147483648"), 400, "validation"),
                c("limit with spaces (trimmed)", "cust", get("/orders?limit=%205%20"), 200, null),
                c("limit twice (the first counts)", "cust", get("/orders?limit=5&limit=abc"), 200, null),
                c("status unknown", "cust", get("/orders?status=LOST"), 400, "validation"),
                c("status lower-case", "cust", get("/orders?status=paid"), 200, null),
                c("status of commas only (no filter)", "cust", get("/orders?status=,,,"), 200, null),
                c("status with an empty element", "cust", get("/orders?status=PAID,,SHIPPED"), 400, "validation"),
                c("status repeated", "cust", get("/orders?status=PAID,PAID,paid"), 200, null),
                c("status SQL", "cust", get("/orders?status=" + enc("PAID') OR 1=1--")), 400, "validation"),
                c("status of 3,000 chars", "cust", get("/orders?status=" + "P".repeat(3000)), 400, "validation"),
                c("createdFrom garbage", "cust", get("/orders?createdFrom=yesterday"), 400, "validation"),
                c("createdFrom month 13", "cust", get("/orders?createdFrom=2026-13-45T00:00:00Z"), 400, "validation"),
                c("createdFrom date only", "cust", get("/orders?createdFrom=2026-01-01"), 400, "validation"),
                c("createdFrom without offset", "cust", get("/orders?createdFrom=2026-01-01T00:00:00"), 400,
                        "validation"),
                c("createdFrom epoch seconds", "cust", get("/orders?createdFrom=1700000000"), 400, "validation"),
                c("createdFrom offset +25:00", "cust", get("/orders?createdFrom=" + enc("2026-01-01T00:00:00+25:00")),
                        400, "validation"),
                c("createdFrom year +99999", "cust", get("/orders?createdFrom=" + enc("+99999-01-01T00:00:00Z")), 400,
                        "validation"),
                c("createdFrom year 1900", "cust", get("/orders?createdFrom=1900-01-01T00:00:00Z"), 400, "validation"),
                c("createdTo year 2300", "cust", get("/orders?createdTo=2300-01-01T00:00:00Z"), 400, "validation"),
                c("createdFrom after createdTo", "cust", get("/orders?createdFrom=2026-02-01T00:00:00Z&createdTo"
                        + "=2026-01-01T00:00:00Z"), 400, "validation"),
                c("createdFrom equal to createdTo", "cust", get("/orders?createdFrom=2026-02-01T00:00:00Z&createdTo"
                        + "=2026-02-01T00:00:00Z"), 400, "validation"),
                c("createdFrom with 12 fraction digits", "cust", get("/orders?createdFrom=2026-01-01T00:00:00"
                        + ".123456789123Z"), 400, "validation"),
                c("createdFrom with offset and nanos", "cust", get("/orders?createdFrom=" + enc(
                        "2026-01-01T00:00:00.123456789+05:30")), 200, null),
                c("cursor garbage", "cust", get("/orders?cursor=garbage"), 400, "validation"),
                c("cursor of another query", "cust", get("/orders?status=PAID&cursor={CURSOR}"), 400, "validation"),
                c("cursor of another customer", "other", get("/orders?cursor={CURSOR}"), 400, "validation"),
                c("cursor with standard base64 chars", "cust", get("/orders?cursor=" + enc("ab+/cd==")), 400,
                        "validation"),
                c("cursor of 41 zero bytes", "cust", get("/orders?cursor=" + b64(new byte[41])), 400, "validation"),
                c("cursor format 2, key id length -1", "cust", get("/orders?cursor=" + b64(new byte[] { 2, -1, 0, 0 })),
                        400, "validation"),
                c("cursor format 2, key id of 127", "cust", get("/orders?cursor=" + b64(new byte[] { 2, 127, 'a' })),
                        400, "validation"),
                c("cursor of 3,000 chars", "cust", get("/orders?cursor=" + "A".repeat(3000)), 400, "validation"),
                c("cursor empty (first page)", "cust", get("/orders?cursor="), 200, null),
                c("customerId garbage", "ops", get("/orders?customerId=nobody"), 400, "validation"),
                c("customerId of another customer", "cust", get("/orders?customerId=" + V4), 403, "forbidden"),
                c("customerId blank", "cust", get("/orders?customerId=%20"), 200, null),
                c("q of two letters", "cust", get("/orders/search?q=ab"), 400, "validation"),
                c("q of 101 chars", "cust", get("/orders/search?q=" + "a".repeat(101)), 400, "validation"),
                c("q of wildcards", "cust", get("/orders/search?q=" + enc("%%%___")), 400, "validation"),
                c("q with a LIKE escape at the end", "cust", get("/orders/search?q=" + enc("wid\\")), 200, null),
                c("q with wildcards around a word", "cust", get("/orders/search?q=" + enc("%wid_")), 200, null),
                c("q of emoji", "cust", get("/orders/search?q=" + enc("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00")), 400,
                        "validation"),
                c("q in Japanese", "cust", get("/orders/search?q=" + enc("日本語")), 200, null),
                c("q missing", "cust", get("/orders/search"), 400, "validation"),
                c("q SQL", "cust", get("/orders/search?q=" + enc("wid'; DROP TABLE order_view;--")), 200, null),
                c("status filter across all customers without dates", "ops", get("/orders?status=CANCELLED"), 400,
                        "validation"),
                c("status filter across all customers for 19 days", "ops", get("/orders?status=CANCELLED&" + month),
                        200, null),
                c("status filter of one customer without dates (ops)", "ops",
                        get("/orders?status=CANCELLED&customerId={CUSTOMER}"), 200, null),
                c("all customers without a status filter or dates (ops)", "ops", get("/orders"), 200, null),
                c("every status across all customers without dates (ops)", "ops",
                        get("/orders?status=PENDING,PAID,SHIPPED,DELIVERED,CANCELLED"), 200, null),
                c("search across all customers without dates", "ops", get("/orders/search?q=widget"), 400,
                        "validation"),
                c("search across all customers for 32 days", "ops", get("/orders/search?q=widget&createdFrom=2026-01-01"
                        + "T00:00:00Z&createdTo=2026-02-02T00:00:00Z"), 400, "validation"),
                c("search across all customers for 19 days", "ops", get("/orders/search?q=widget&" + month), 200,
                        null),
                // --- parameters the endpoint does not take (a misspelt filter must not answer an unfiltered list) ---
                c("a misspelt date filter", "ops", get("/orders?from=2026-01-01T00:00:00Z"), 400, "validation"),
                c("a parameter's name in another case", "cust", get("/orders?Limit=5"), 400, "validation"),
                c("a parameter on a route that takes none", "cust", get("/orders/" + NO_ORDER + "?fields=id"), 400,
                        "validation"),
                // --- encodings and control characters in parameters -----------------------------------------------
                c("q with %00", "cust", get("/orders/search?q=wid%00get"), 400, "validation"),
                c("q with a newline", "cust", get("/orders/search?q=wid%0Aget"), 400, "validation"),
                c("q with DEL", "cust", get("/orders/search?q=wid%7Fget"), 400, "validation"),
                c("q with a C1 control (U+0085)", "cust", get("/orders/search?q=wid%C2%85get"), 400, "validation"),
                c("q with RLO", "cust", get("/orders/search?q=wid%E2%80%AEget"), 200, null),
                c("q with a zero-width space", "cust", get("/orders/search?q=wid%E2%80%8Bget"), 200, null),
                c("q with a BOM", "cust", get("/orders/search?q=%EF%BB%BFwidget"), 200, null),
                c("q with invalid UTF-8 (%C3%28)", "cust", get("/orders/search?q=widget%C3%28"), 200, null),
                c("q with an overlong NUL (%C0%80)", "cust", get("/orders/search?q=widget%C0%80"), 200, null),
                c("q with a UTF-8 surrogate (%ED%A0%80)", "cust", get("/orders/search?q=widget%ED%A0%80"), 200, null),
                c("q with %FF", "cust", get("/orders/search?q=widget%FF"), 200, null),
                c("parameter name with %00", "cust", get("/orders?li%00mit=5"), 400, "validation"),
                c("status with a tab", "cust", get("/orders?status=PAID%09"), 400, "validation"),
                c("createdFrom with %00", "cust", get("/orders?createdFrom=2026-01-01T00:00:00Z%00"), 400,
                        "validation"),
                c("customerId with RLO", "ops", get("/orders?customerId=%E2%80%AE" + V4), 400, "validation"),
                c("limit invalid UTF-8", "cust", get("/orders?limit=%C3%28"), 400, "validation"),
                c("malformed escape in the query", "cust", get("/orders?q=%zz"), 400, TRANSPORT),
                c("raw UTF-8 in the query", "cust", get("/orders/search?q=" + RawHttp.latin1("widget\u202E")), 400,
                        TRANSPORT),
                // --- paths -------------------------------------------------------------------------------------------
                c("order id garbage", "cust", get("/orders/nope"), 400, "validation"),
                c("order id %00", "cust", get("/orders/%00"), 400, "validation"),
                c("order id ending in %00", "cust", get(order + "%00"), 400, "validation"),
                c("order id with RLO", "cust", get("/orders/%E2%80%AE" + NO_ORDER), 400, "validation"),
                c("order id of 4,000 chars", "cust", get("/orders/" + "1".repeat(4000)), 400, "validation"),
                c("order id of no order", "cust", get("/orders/" + NO_ORDER), 404, "not-found"),
                c("order id of version 4", "cust", get("/orders/" + V4), 404, "not-found"),
                // the largest version-7 time: year 10889, beyond what a timestamptz literal takes
                c("order id of the last v7 millisecond", "cust", get("/orders/ffffffff-ffff-7fff-bfff-ffffffffffff"),
                        404, "not-found"),
                c("order id dated in 2100", "cust", get("/orders/" + dev.orders.events.OrderIds.newId(java.time.Instant.parse("2100-01-01T00:00:00Z"))), 404,
                        "not-found"),
                c("order id upper-case", "cust", get("/orders/{ORDER_UPPER}"), 200, null),
                c("someone else's order", "other", get(order), 404, "not-found"),
                c("encoded slash in the id", "cust", get("/orders/a%2Fb"), 400, "validation"),
                c("dot-dot to the summary", "cust", get("/orders/../customers/{CUSTOMER}/summary"), 200, null),
                c("encoded dot-dot (normalised: /)", "cust", get("/orders/%2e%2e"), 404, "not-found"),
                c("double slashes", "cust", get("//orders//{ORDER}"), 200, null),
                c("trailing slash (the list)", "cust", get("/orders/"), 200, null),
                c("search with an extra segment", "cust", get("/orders/search/more"), 404, "not-found"),
                c("summary of garbage", "cust", get("/customers/nobody/summary"), 400, "validation"),
                c("summary of another customer", "cust", get("/customers/" + V4 + "/summary"), 404, "not-found"),
                c("summary with %00", "cust", get("/customers/%00/summary"), 400, "validation"),
                c("overlong dot-dot (%C0%AE%C0%AE)", "cust", get("/orders/%C0%AE%C0%AE"), 400, "validation"),
                c("backslashes", "cust", get("/orders\\{ORDER}"), 400, TRANSPORT),
                c("raw RLO in the path", "cust", get("/orders/" + RawHttp.latin1("\u202E") + NO_ORDER), 400,
                        TRANSPORT),
                c("request line over 4 KB", "cust", get("/orders/" + "1".repeat(5000)), 414, TRANSPORT),
                c("/q/metrics on the API port", "none", get("/q/metrics"), 404, "not-found"),
                c("/q/health/ready on the API port", "none", get("/q/health/ready"), 404, "not-found"),
                c("/q/openapi on the API port", "none", get("/q/openapi"), 404, "not-found"),
                c("/q/%2e%2e/q/metrics", "none", get("/q/%2e%2e/q/metrics"), 404, "not-found"),
                c("unknown path", "cust", get("/admin"), 404, "not-found"),
                // --- headers -----------------------------------------------------------------------------------------
                c("no Authorization", "none", get("/orders"), 401, "unauthorized"),
                c("Basic credentials", "Basic YWRtaW46YWRtaW4=", get("/orders"), 401, "unauthorized"),
                c("Bearer without a token", "Bearer", get("/orders"), 401, "unauthorized"),
                c("Bearer garbage", "Bearer a.b.c", get("/orders"), 401, "unauthorized"),
                c("Bearer of 8 KB", "Bearer " + "x".repeat(8 * 1024), get("/orders"), 401, "unauthorized"),
                c("Authorization of 30 KB (headers over 20 KB)", "Bearer " + "x".repeat(30 * 1024), get("/orders"),
                        431, TRANSPORT),
                c("expired token", "expired", get("/orders"), 401, "unauthorized"),
                c("token of another issuer", "issuer", get("/orders"), 401, "unauthorized"),
                c("token signed by another key", "key", get("/orders"), 401, "unauthorized"),
                c("unsigned token (alg none)", "unsigned", get("/orders"), 401, "unauthorized"),
                c("Authorization with a raw NUL", "none", get("/orders").header("Authorization", "Bearer \u0000"), 400,
                        TRANSPORT),
                c("Consistency-Token garbage", "cust", get(order).header("Consistency-Token", "garbage"), 400,
                        "validation"),
                c("Consistency-Token without a version", "cust", get(order).header("Consistency-Token", "{ORDER}:"),
                        400, "validation"),
                c("Consistency-Token version 0", "cust", get(order).header("Consistency-Token", "{ORDER}:0"), 400,
                        "validation"),
                c("Consistency-Token version -1", "cust", get(order).header("Consistency-Token", "{ORDER}:-1"), 400,
                        "validation"),
                c("Consistency-Token version of 20 digits", "cust", get(order).header("Consistency-Token",
                        "{ORDER}:99999999999999999999"), 400, "validation"),
                c("Consistency-Token version far ahead", "cust", get(order).header("Consistency-Token",
                        "{ORDER}:999999"), 400, "validation"),
                c("Consistency-Token of another order", "cust", get(order).header("Consistency-Token",
                        NO_ORDER + ":1"), 400, "validation"),
                c("Consistency-Token with two colons", "cust", get(order).header("Consistency-Token",
                        "{ORDER}:1:1"), 400, "validation"),
                c("Consistency-Token with RLO", "cust", get(order).header("Consistency-Token", "{ORDER}:1\u202E"), 400,
                        "validation"),
                c("Consistency-Token of 8 KB", "cust", get(order).header("Consistency-Token", "9".repeat(8192)), 400,
                        "validation"),
                c("Consistency-Token with a DEL", "cust", get(order).header("Consistency-Token", "{ORDER}:1\u007F"),
                        400,
                        TRANSPORT),
                c("Consistency-Token current", "cust", get(order).header("Consistency-Token", "{ORDER}:1"), 200, null),
                c("If-None-Match *", "cust", get(order).header("If-None-Match", "*"), 304, null),
                c("If-None-Match unterminated (no match)", "cust", get(order).header("If-None-Match", "\"1.1"), 200,
                        null),
                c("If-None-Match garbage (no match)", "cust", get(order).header("If-None-Match", "garbage"), 200, null),
                c("If-None-Match of 8 KB", "cust", get(order).header("If-None-Match", "\"" + "x".repeat(8192) + "\""),
                        200, null),
                c("If-None-Match weak, other tag", "cust", get(order).header("If-None-Match", "W/\"0.0\""), 200, null),
                c("If-Match another tag", "cust", get(order).header("If-Match", "\"0.0\""), 412,
                        "precondition-failed"),
                c("If-Match garbage", "cust", get(order).header("If-Match", "garbage"), 412, "precondition-failed"),
                c("If-Match *", "cust", get(order).header("If-Match", "*"), 200, null),
                c("If-Modified-Since garbage", "cust", get(order).header("If-Modified-Since", "yesterday"), 200, null),
                c("Accept text/csv", "cust", get("/orders").header("Accept", "text/csv"), 406, "not-acceptable"),
                c("Accept XML on an order", "cust", get(order).header("Accept", "application/xml"), 406,
                        "not-acceptable"),
                c("Accept garbage", "cust", get("/orders").header("Accept", "%%%;q=abc"), 406, "not-acceptable"),
                c("Accept JSON with q=0 (ignored)", "cust", get("/orders").header("Accept", "application/json;q=0"),
                        200, null),
                c("Accept problem+json only", "cust", get("/orders/nope").header("Accept", "application/problem+json"),
                        406, "not-acceptable"),
                // --- bodies and content types on GET -----------------------------------------------------------------
                c("JSON body", "cust", get("/orders").header("Content-Type", "application/json").body("{\"limit\":1}"),
                        200, null),
                c("text/plain body", "cust", get("/orders").header("Content-Type", "text/plain").body("hello"), 200,
                        null),
                c("form body with bad escapes", "cust", get("/orders").header("Content-Type",
                        "application/x-www-form-urlencoded").body("limit=%zz&%%%"), 200, null),
                c("XML body", "cust", get("/orders").header("Content-Type", "application/xml").body("<a/>"), 200, null),
                c("multipart body without a boundary", "cust", get("/orders").header("Content-Type",
                        "multipart/form-data").body("--x\r\n\r\n"), 200, null),
                c("body of invalid UTF-8", "cust", get("/orders").header("Content-Type", "application/json")
                        .body(new byte[] { (byte) 0xC0, (byte) 0xAF, (byte) 0xFF }), 200, null),
                c("body announced at 100 MB", "cust", get("/orders").header("Content-Length", "100000000"), 413,
                        "payload-too-large"),
                // --- methods on each route ---------------------------------------------------------------------------
                c("POST /orders", "cust", Request.of("POST", "/orders").header("Content-Type", "application/json")
                        .body("{}"), 405, "method-not-allowed"),
                c("PUT /orders/{id}", "cust", Request.of("PUT", order).header("Content-Type", "application/json")
                        .body("{}"), 405, "method-not-allowed"),
                c("DELETE /orders/{id}", "cust", Request.of("DELETE", order), 405, "method-not-allowed"),
                c("PATCH /orders/{id}", "cust", Request.of("PATCH", order).header("Content-Type", "application/json")
                        .body("{}"), 405, "method-not-allowed"),
                c("TRACE /orders", "cust", Request.of("TRACE", "/orders"), 405, "method-not-allowed"),
                c("POST /orders/search", "cust", Request.of("POST", "/orders/search?q=widget"), 405,
                        "method-not-allowed"),
                c("DELETE /orders/search", "cust", Request.of("DELETE", "/orders/search"), 405, "method-not-allowed"),
                c("PUT /customers/{id}/summary", "cust", Request.of("PUT", "/customers/{CUSTOMER}/summary"), 405,
                        "method-not-allowed"),
                c("TRACE /customers/{id}/summary", "cust", Request.of("TRACE", "/customers/{CUSTOMER}/summary"), 405,
                        "method-not-allowed"),
                c("OPTIONS /orders", "cust", Request.of("OPTIONS", "/orders"), 200, null),
                c("HEAD /orders/{id}", "cust", Request.of("HEAD", order), 200, null),
                c("unknown method BREW", "cust", Request.of("BREW", "/orders"), 405, "method-not-allowed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachHostileRequestGetsItsProblem(String name, Case c) {
        Request request = resolve(c.request());
        request = switch (c.auth()) {
            case "none" -> request;
            case "cust" -> request.header("Authorization", Tokens.customer(customer));
            case "other" -> request.header("Authorization", Tokens.customer(UUID.randomUUID()));
            case "ops" -> request.header("Authorization", OPS);
            case "expired" -> request.header("Authorization", BadTokens.expired());
            case "issuer" -> request.header("Authorization", BadTokens.otherIssuer());
            case "key" -> request.header("Authorization", BadTokens.otherKey());
            case "unsigned" -> request.header("Authorization", BadTokens.unsigned());
            default -> request.header("Authorization", c.auth());
        };
        Reply reply = RawHttp.send(RestAssured.port, request);
        assertTrue(reply.status() < 500, () -> name + " → " + reply);
        if (TRANSPORT.equals(c.type())) {
            assertEquals(c.status(), reply.status(), () -> name + " → " + reply);
            return;
        }
        assertNull(Hostile.violation(reply), () -> name + ": " + Hostile.violation(reply) + " → " + reply);
        assertEquals(c.status(), reply.status(), () -> name + " → " + reply);
        if (c.type() != null) {
            assertEquals(c.type(), Hostile.problemType(reply), () -> name + " → " + reply);
        }
    }

    /** The case's request with this test's order, customer and cursor in place of the placeholders. */
    private static Request resolve(Request r) {
        List<String[]> headers = r.headers().stream().map(h -> new String[] { h[0], fill(h[1]) }).toList();
        return new Request(r.method(), fill(r.target()), headers, r.body());
    }

    private static String fill(String s) {
        UUID newest = orders.get(orders.size() - 1);
        return s.replace("{ORDER_UPPER}", newest.toString().toUpperCase()).replace("{ORDER}", newest.toString())
                .replace("{CUSTOMER}", customer.toString()).replace("{CURSOR}", cursor);
    }

    /**
     * A body refused for its announced size (413, connection closed) gives its admission slot back: once it did not,
     * and 48 such GETs (no body needed, a header will do) left the read API answering every request with 503.
     */
    @Test
    void oversizedBodiesGiveTheirAdmissionSlotBack() {
        Request oversized = get("/orders").header("Authorization", Tokens.customer(customer))
                .header("Content-Length", "100000000");
        for (int i = 0; i < 60; i++) {
            Reply reply = RawHttp.send(RestAssured.port, oversized);
            assertEquals(413, reply.status(), () -> "request → " + reply);
            assertNull(Hostile.violation(reply));
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> admission.inFlight() == 0);
        given().header("Authorization", Tokens.customer(customer)).get("/orders").then().statusCode(200);
    }

    // --- generated input -------------------------------------------------------------------------------------------

    @Test
    void tenThousandGeneratedRequestsGetNo5xxAndEvery4xxIsAProblem() {
        long seed = Hostile.seed("read API");
        Random r = new Random(seed);
        Tokens3 tokens = new Tokens3(Tokens.customer(customer), Tokens.customer(UUID.randomUUID()), OPS);
        int n = Hostile.requests(10_000);
        List<Probe> probes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            probes.add(generate(r, tokens));
        }

        Hostile.Result result = Hostile.run("read API", seed, probes, RestAssured.port, 8, Set.of(503));

        assertTrue(result.violations().isEmpty(), result::report);
        Map<String, Long> unavailable = result.outcomes().stream()
                .filter(o -> o != null && o.reply().status() == 503)
                .collect(java.util.stream.Collectors.groupingBy(o -> String.valueOf(Hostile.problemType(o.reply())),
                        java.util.TreeMap::new, java.util.stream.Collectors.counting()));
        System.out.println("[hostile] read API: 503 by type " + unavailable);
        assertTrue(Set.of(PROBLEM + "not-yet-consistent", PROBLEM + "overloaded").containsAll(unavailable.keySet()),
                "a 503 only while the read model catches up with a Consistency-Token, or at capacity: " + unavailable);
        int limited = result.count(s -> s == 429 || s == 503);
        assertTrue(limited < n / 50, "429/503 are a small minority: " + result.histogram());
        assertTrue(result.count(s -> s == 200) > n / 10, "a good share reached the data: " + result.histogram());
        assertTrue(result.took().compareTo(Duration.ofSeconds(60)) < 0, "took " + result.took());
    }

    record Tokens3(String self, String other, String ops) {
    }

    Probe generate(Random r, Tokens3 tokens) {
        int route = r.nextInt(100);
        List<String> params = new ArrayList<>();
        String path;
        String what;
        if (route < 40) {
            path = "/orders";
            what = "list";
            addListParams(r, params);
        } else if (route < 65) {
            path = "/orders/search";
            what = "search";
            if (r.nextInt(10) > 0) {
                params.add("q=" + param(r, q(r)));
            }
            addListParams(r, params);
        } else if (route < 92) {
            path = "/orders/" + orderId(r);
            what = "order";
        } else {
            path = "/customers/" + enc(customerId(r)) + "/summary";
            what = "summary";
        }
        java.util.Collections.shuffle(params, r);
        Request req = Request.of("GET", path + (params.isEmpty() ? "" : "?" + String.join("&", params)));
        int who = r.nextInt(100);
        if (who < 70) {
            req = req.header("Authorization", tokens.self());
        } else if (who < 82) {
            req = req.header("Authorization", tokens.ops());
        } else if (who < 95) {
            req = req.header("Authorization", tokens.other());
        } else if (who < 98) {
            req = req.header("Authorization", pick(r, "Bearer", "Bearer x.y.z", "Basic Zm9vOmJhcg==",
                    "Bearer " + tokens.self().substring(7, 40)));
        }
        if (what.equals("order")) {
            if (r.nextInt(8) == 0) {
                req = req.header("Consistency-Token", consistencyToken(r, path.substring("/orders/".length())));
            }
            if (r.nextInt(8) == 0) {
                req = req.header(r.nextBoolean() ? "If-None-Match" : "If-Match", pick(r, "*", "\"1.1\"", "W/\"1.1\"",
                        "\"", "\"\"", "garbage", "\"1.", "W/", "\"a\", \"b\"", "\"" + "9".repeat(300) + "\""));
            }
        }
        if (r.nextInt(30) == 0) {
            req = req.header("Accept", pick(r, "application/json", "*/*", "text/csv", "application/xml",
                    "application/problem+json", "application/*;q=0.1", "text/html, */*;q=0", "%%%"));
        }
        return new Probe(what, req);
    }

    void addListParams(Random r, List<String> params) {
        if (r.nextInt(3) == 0) {
            params.add("limit=" + param(r, pick(r, "" + (1 + r.nextInt(100)), "" + (1 + r.nextInt(100)), "0", "-1",
                    "101", "1000000000000", "1.5", "", " 7", "ten", Hostile.randomText(r, 5))));
        }
        if (r.nextInt(4) == 0) {
            params.add("cursor=" + param(r, cursor(r)));
        }
        if (r.nextInt(3) == 0) {
            params.add("status=" + param(r, status(r)));
        }
        if (r.nextInt(3) == 0) {
            params.add("createdFrom=" + param(r, date(r)));
        }
        if (r.nextInt(3) == 0) {
            params.add("createdTo=" + param(r, date(r)));
        }
        if (r.nextInt(4) == 0) {
            params.add("customerId=" + param(r, customerId(r)));
        }
        if (r.nextInt(40) == 0) {
            params.add(param(r, Hostile.randomText(r, 8)) + "=" + param(r, Hostile.randomText(r, 8)));
        }
    }

    /** A value percent-encoded as UTF-8; sometimes with an escape that is not UTF-8 (an overlong, a surrogate, FF). */
    static String param(Random r, String value) {
        String encoded = enc(value);
        if (r.nextInt(25) == 0) {
            int at = r.nextInt(encoded.length() + 1);
            while (at > 0 && at < encoded.length() && (encoded.charAt(at - 1) == '%' || (at > 1
                    && encoded.charAt(at - 2) == '%'))) {
                at--;
            }
            encoded = encoded.substring(0, at) + pick(r, "%C0%80", "%ED%A0%80", "%FF", "%C3%28", "%00", "%E2%80%AE")
                    + encoded.substring(at);
        }
        return encoded;
    }

    String cursor(Random r) {
        return switch (r.nextInt(8)) {
            case 0, 1 -> cursor;
            case 2 -> {
                char[] c = cursor.toCharArray();
                int i = r.nextInt(c.length);
                c[i] = c[i] == 'A' ? 'B' : 'A';
                yield new String(c);
            }
            case 3 -> {
                byte[] b = new byte[r.nextInt(60)];
                r.nextBytes(b);
                if (b.length > 1) {
                    b[0] = (byte) pick(r, 1, 2, 2, 3).intValue();
                }
                yield b64(b);
            }
            case 4 -> cursor.substring(0, r.nextInt(cursor.length()));
            case 5 -> "";
            case 6 -> cursor + pick(r, "=", "==", "A", ".", "%");
            default -> Hostile.randomText(r, 60);
        };
    }

    static String status(Random r) {
        List<String> parts = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
            parts.add(pick(r, "PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "paid", " Shipped ", "",
                    "LOST", "PAID;", "*", Hostile.randomText(r, 8)));
        }
        return String.join(pick(r, ",", ",", ",", ", ", ";", ",,"), parts);
    }

    static String date(Random r) {
        Instant t = Instant.parse("2019-06-01T00:00:00Z").plusSeconds((long) (r.nextDouble() * 12 * 365 * 86400));
        return switch (r.nextInt(12)) {
            case 0, 1, 2 -> t.truncatedTo(ChronoUnit.SECONDS).toString();
            case 3 -> t.atOffset(ZoneOffset.ofHoursMinutes(r.nextInt(25) - 12, 0)).toString();
            case 4 -> t.toString().replace("Z", "+00:00");
            case 5 -> t.toString().substring(0, 10);
            case 6 -> t.toString().replace("T", " ");
            case 7 -> pick(r, "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "2199-12-31T23:59:59.999999999Z",
                    "+10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "0000-00-00T00:00:00Z");
            case 8 -> "" + r.nextLong();
            case 9 -> t.toString().toLowerCase();
            case 10 -> t.toString() + "[Europe/Paris]";
            default -> Hostile.randomText(r, 25);
        };
    }

    static String q(Random r) {
        return switch (r.nextInt(9)) {
            case 0, 1 -> pick(r, "wid", "widget", "key", "keyboard", "test", "customer", "example.com", "WIDGET");
            case 2 -> pick(r, "%%%", "___", "\\\\\\", "%wid%", "wid_", "wid\\", "a%b_c\\d", "'; --", "*");
            case 3 -> "w".repeat(90 + r.nextInt(20));
            case 4 -> pick(r, "ab", "a", " ", "  wid  ", "日本語", "\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", "wïd");
            default -> Hostile.randomText(r, 20);
        };
    }

    String orderId(Random r) {
        return switch (r.nextInt(10)) {
            case 0, 1, 2, 3 -> orders.get(r.nextInt(orders.size())).toString();
            case 4 -> orders.get(r.nextInt(orders.size())).toString().toUpperCase();
            case 5 -> NO_ORDER;
            case 6 -> UUID.randomUUID().toString();
            case 7 -> pick(r, "%00", "..", "%2e%2e", "a%2Fb", "search", "%20", "1-1-1-1-1", "%7Bid%7D");
            default -> enc(Hostile.randomText(r, 40));
        };
    }

    String customerId(Random r) {
        return switch (r.nextInt(6)) {
            case 0, 1 -> customer.toString();
            case 2 -> UUID.randomUUID().toString();
            case 3 -> pick(r, "", " ", "nobody", customer.toString().toUpperCase(), customer + "x", "00000000-0000");
            default -> Hostile.randomText(r, 40);
        };
    }

    /**
     * A consistency token: mostly the order's own current version (1), or malformed, or far ahead (400 at once); rarely
     * a version just ahead, which waits for the read model and then answers 503 by design (counted by the pass).
     */
    static String consistencyToken(Random r, String id) {
        return switch (r.nextInt(20)) {
            case 0 -> id + ":" + (2 + r.nextInt(3));
            case 1, 2, 3, 4, 5, 6 -> id + ":1";
            case 7, 8 -> id + ":" + (100 + r.nextInt(1_000_000));
            case 9 -> id + ":" + pick(r, "0", "-1", "", "1.0", "99999999999999999999", "0x1", " 1");
            case 10 -> NO_ORDER + ":1";
            default -> pick(r, "garbage", ":", id, id + ":1:1", "1:" + id) + Hostile.oneOf(r, "\u202E \t");
        };
    }
}
