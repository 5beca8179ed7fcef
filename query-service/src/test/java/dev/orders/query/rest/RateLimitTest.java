package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.orders.query.ReadSchema;
import dev.orders.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The Redis sliding window admits exactly the configured number of requests per principal. */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
@TestProfile(RateLimitTest.FivePerMinute.class)
class RateLimitTest {

    public static class FivePerMinute implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orders.rate-limit.classes.read.limit", "5",
                    "orders.rate-limit.classes.read.window", "PT60S",
                    "orders.rate-limit.classes.search.limit", "2");
        }
    }

    @Test
    void sixthRequestInTheWindowIs429WithRetryAfterAndOtherPrincipalsAreUnaffected() {
        UUID caller = UUID.randomUUID();
        for (int i = 1; i <= 5; i++) {
            given().header("Authorization", Tokens.customer(caller)).get("/orders")
                    .then().statusCode(200)
                    .header("RateLimit-Limit", "5")
                    .header("RateLimit-Remaining", String.valueOf(5 - i));
        }
        var rejected = given().header("Authorization", Tokens.customer(caller)).get("/orders")
                .then().statusCode(429)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:rate-limited"))
                .header("Retry-After", notNullValue())
                .header("RateLimit-Remaining", "0")
                .header("X-RateLimit-Remaining", "0")
                .extract();
        int retryAfter = Integer.parseInt(rejected.header("Retry-After"));
        assertEquals(true, retryAfter >= 1 && retryAfter <= 60, "Retry-After within the window: " + retryAfter);

        given().header("Authorization", Tokens.customer(UUID.randomUUID())).get("/orders")
                .then().statusCode(200).header("RateLimit-Remaining", "4");
    }

    @Test
    void searchHasItsOwnBudget() {
        UUID caller = UUID.randomUUID();
        for (int i = 1; i <= 2; i++) {
            given().header("Authorization", Tokens.customer(caller)).queryParam("q", "widget").get("/orders/search")
                    .then().statusCode(200).header("RateLimit-Limit", "2");
        }
        given().header("Authorization", Tokens.customer(caller)).queryParam("q", "widget").get("/orders/search")
                .then().statusCode(429);
        given().header("Authorization", Tokens.customer(caller)).get("/orders")
                .then().statusCode(200).header("RateLimit-Limit", "5").header("RateLimit-Remaining", "4");
    }
}
