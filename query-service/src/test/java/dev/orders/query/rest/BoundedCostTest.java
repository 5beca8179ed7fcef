package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.orders.query.Metrics;
import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Input whose cost the client controls is refused at once (400) or answered at once, and none of it counts against
 * a breaker: every rule of issue 11's "bounded cost per request", each beside a request that passes.
 */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
class BoundedCostTest {
    @Inject
    ReadModelFixture fixture;

    private final UUID customer = UUID.randomUUID();

    /**
     * One ordinary read first: SmallRye FT registers a breaker's metrics on its first call, and the breaker checks
     * below must not depend on another test having read before this one.
     */
    @BeforeEach
    void touchTheReplicaBreaker() {
        given().header("Authorization", Tokens.customer(customer)).get("/orders").then().statusCode(200);
    }

    @Test
    void searchTermsNeedThreeLettersOrDigitsInARow() {
        double before = breakerFailures();
        for (String q : new String[] { "...", "%%%", "a_b", "ab", "  x  ", "%_%_%" }) {
            given().header("Authorization", Tokens.customer(customer)).queryParam("q", q).get("/orders/search")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("three letters or digits"));
        }
        given().header("Authorization", Tokens.customer(customer)).queryParam("q", "wid").get("/orders/search")
                .then().statusCode(200);
        assertEquals(before, breakerFailures(), "no breaker counted a client's input");
    }

    @Test
    void controlCharactersInAnyParameterAre400() {
        double before = breakerFailures();
        given().header("Authorization", Tokens.customer(customer)).urlEncodingEnabled(false)
                .get("/orders/search?q=abc%00def").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("control character"));
        given().header("Authorization", Tokens.customer(customer)).urlEncodingEnabled(false)
                .get("/orders?status=PAID%0A").then().statusCode(400).body("detail", containsString("'status'"));
        given().header("Authorization", Tokens.customer(customer)).urlEncodingEnabled(false)
                .get("/orders?cursor=%1B%5B2J").then().statusCode(400);
        assertEquals(before, breakerFailures());
    }

    @Test
    void anOperatorsSearchAcrossAllCustomersNeedsABoundedDateRange() {
        Instant to = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        given().header("Authorization", Tokens.ops()).queryParam("q", "widget").get("/orders/search")
                .then().statusCode(400).body("detail", containsString("createdFrom and createdTo"));
        given().header("Authorization", Tokens.ops()).queryParam("q", "widget")
                .queryParam("createdFrom", to.minus(60, ChronoUnit.DAYS).toString()).queryParam("createdTo", to.toString())
                .get("/orders/search").then().statusCode(400);
        given().header("Authorization", Tokens.ops()).queryParam("q", "widget")
                .queryParam("createdFrom", to.minus(20, ChronoUnit.DAYS).toString()).queryParam("createdTo", to.toString())
                .get("/orders/search").then().statusCode(200);
        // with a customer, no date range is needed
        given().header("Authorization", Tokens.ops()).queryParam("q", "widget").queryParam("customerId", customer)
                .get("/orders/search").then().statusCode(200);
    }

    @Test
    void datesAreRangeChecked() {
        for (String from : new String[] { "2300-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "+99999-01-01T00:00:00Z" }) {
            given().header("Authorization", Tokens.customer(customer)).queryParam("createdFrom", from).get("/orders")
                    .then().statusCode(400).contentType("application/problem+json");
        }
        given().header("Authorization", Tokens.customer(customer)).queryParam("createdFrom", "2020-01-01T00:00:00Z")
                .get("/orders").then().statusCode(200);
    }

    @Test
    void aConsistencyTokenIsCheckedForOwnershipFirstAndAFarAheadVersionIsAnsweredAtOnce() {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        double before = breakerFailures();
        double polls = Metrics.sum("reads_consistency_polls_total");

        // someone else's order: 404 at once, whatever the token asks for
        given().header("Authorization", Tokens.customer(UUID.randomUUID())).header("Consistency-Token", id + ":2")
                .get("/orders/{id}", id).then().statusCode(404);
        given().header("Authorization", Tokens.customer(UUID.randomUUID()))
                .header("Consistency-Token", id + ":999999999").get("/orders/{id}", id).then().statusCode(404);
        // the owner, with a version no write could have produced yet: 400 without polling
        given().header("Authorization", Tokens.customer(customer)).header("Consistency-Token", id + ":999999999")
                .get("/orders/{id}", id).then().statusCode(400).body("detail", containsString("ahead"));
        assertEquals(polls, Metrics.sum("reads_consistency_polls_total"), "none of the three polled the read primary");

        // one version ahead is a real read-your-writes wait: bounded, then 503 with Retry-After
        given().header("Authorization", Tokens.customer(customer)).header("Consistency-Token", id + ":2")
                .get("/orders/{id}", id).then().statusCode(503).header("Retry-After", "1")
                .body("type", equalTo("urn:orders:problem:not-yet-consistent"));
        double polled = Metrics.sum("reads_consistency_polls_total") - polls;
        assertTrue(polled <= 3, "at most three polls, not " + polled);
        assertEquals(before, breakerFailures());
    }

    /** Failures every circuit breaker of this instance has counted so far (SmallRye FT's Micrometer metrics). */
    static double breakerFailures() {
        assertTrue(Metrics.exported("ft_circuitbreaker_calls_total"), "breaker metrics are exported");
        return Metrics.sum("ft_circuitbreaker_calls_total", "circuitBreakerResult=\"failure\"");
    }
}
