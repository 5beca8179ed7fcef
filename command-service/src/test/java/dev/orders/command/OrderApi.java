package dev.orders.command;

import static io.restassured.RestAssured.given;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import dev.orders.testing.DevData;
import dev.orders.testing.Tokens;

/** Small client for the write API used by the tests. */
public final class OrderApi {
    public static final String ONE_KEYBOARD = "{\"items\":[{\"productId\":\"" + DevData.KEYBOARD + "\",\"quantity\":1}]}";

    private OrderApi() {
    }

    public static UUID create(UUID customer) {
        return UUID.fromString(given().header("Authorization", Tokens.customer(customer)).contentType(ContentType.JSON)
                .body(ONE_KEYBOARD).post("/orders").then().statusCode(201).extract().path("id"));
    }

    public static Response act(String token, UUID order, String action) {
        return as(token).post("/orders/{id}/{action}", order, action);
    }

    public static RequestSpecification as(String token) {
        return given().header("Authorization", token);
    }

    /**
     * A one-keyboard order by {@code customer}, for tests that send many writes at once ({@code HttpClient.sendAsync}),
     * which RestAssured does not; the caller adds what differs (Idempotency-Key, timeout, traceparent).
     */
    public static HttpRequest.Builder placeOrder(URI orders, UUID customer) {
        return HttpRequest.newBuilder(orders).header("Authorization", Tokens.customer(customer))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ONE_KEYBOARD));
    }
}
