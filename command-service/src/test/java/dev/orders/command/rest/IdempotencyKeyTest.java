package dev.orders.command.rest;

import static dev.orders.command.OrderApi.ONE_KEYBOARD;
import static dev.orders.command.OrderApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

import dev.orders.command.OrderApi;
import dev.orders.testing.DevData;
import dev.orders.testing.Tokens;

/** The Idempotency-Key matrix: sequential and concurrent replay, different body, other principal, failures. */
@QuarkusTest
class IdempotencyKeyTest {
    @Inject
    Pool db;
    @TestHTTPResource("/orders")
    URI orders;

    @Test
    void sequentialReplayReturnsTheStoredResponseAndCreatesOneOrder() {
        String key = UUID.randomUUID().toString();
        var first = post(DevData.ADA, key, ONE_KEYBOARD).then().statusCode(201).extract();
        var again = post(DevData.ADA, key, ONE_KEYBOARD).then().statusCode(201)
                .header("Idempotent-Replayed", "true").extract();
        assertEquals(first.body().asString(), again.body().asString());
        assertEquals(first.header("Location"), again.header("Location"));
        assertEquals(first.header("ETag"), again.header("ETag"));
        assertEquals(1, ordersWithKey(first.path("id")));
    }

    @Test
    void sameKeyWithDifferentBodyIs422() {
        String key = UUID.randomUUID().toString();
        post(DevData.ADA, key, ONE_KEYBOARD).then().statusCode(201);
        post(DevData.ADA, key, "{\"items\":[{\"productId\":\"" + DevData.MOUSE + "\",\"quantity\":1}]}")
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:idempotency-key-reused"));
    }

    @Test
    void keysAreScopedPerPrincipal() {
        String key = UUID.randomUUID().toString();
        String ada = post(DevData.ADA, key, ONE_KEYBOARD).then().statusCode(201).extract().path("id");
        String grace = post(DevData.GRACE, key, ONE_KEYBOARD).then().statusCode(201)
                .header("Idempotent-Replayed", (String) null).extract().path("id");
        assertTrue(!ada.equals(grace), "independent orders");
    }

    @Test
    void concurrentReplaysCreateExactlyOneOrderAndNeverFail() throws Exception {
        String key = UUID.randomUUID().toString();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            calls.add(http.sendAsync(OrderApi.placeOrder(orders, DevData.ADA).timeout(Duration.ofSeconds(20))
                    .header("Idempotency-Key", key).build(), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get();
        List<Integer> statuses = calls.stream().map(c -> c.join().statusCode()).toList();
        assertTrue(statuses.stream().allMatch(s -> s == 201 || s == 409), "only 201 or 409, got " + statuses);
        assertTrue(statuses.contains(201), "one of them created the order: " + statuses);
        long created = db.preparedQuery("""
                SELECT count(*) FROM idempotency_keys k JOIN orders o
                    ON o.id = (k.response_body::jsonb->>'id')::uuid
                 WHERE k.idem_key = $1""").execute(Tuple.of(key)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
        assertEquals(1, created);
        // Every 201 is the same order.
        assertEquals(1, calls.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 201)
                .map(HttpResponse::body).distinct().count());
    }

    @Test
    void aFailedRequestStoresNothingSoTheKeyCanBeRetried() {
        String key = UUID.randomUUID().toString();
        post(DevData.ADA, key, "{\"items\":[{\"productId\":\"" + UUID.randomUUID() + "\",\"quantity\":1}]}")
                .then().statusCode(422).body("type", equalTo("urn:orders:problem:unknown-product"));
        post(DevData.ADA, key, ONE_KEYBOARD).then().statusCode(201).header("Idempotent-Replayed", (String) null);
    }

    /** Keys are [A-Za-z0-9._:-]{1,128}; anything else is a 400 naming the header, before anything is written. */
    @Test
    void aKeyOutsideItsAlphabetOrLengthIs400NamingTheHeader() {
        for (String bad : List.of("k".repeat(129), "", "two words", "semi;colon", "quote\"d", "tab\tkey", "slash/key",
                "caf\u00e9", "percent%00")) {
            post(DevData.ADA, bad, ONE_KEYBOARD).then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:orders:problem:validation"))
                    .body("errors[0].field", equalTo("Idempotency-Key"));
        }
        as(Tokens.customer(DevData.ADA)).header("Idempotency-Key", "one").header("Idempotency-Key", "two")
                .contentType(ContentType.JSON).body(ONE_KEYBOARD).post("/orders").then().statusCode(400)
                .body("errors[0].field", equalTo("Idempotency-Key"));
        UUID id = dev.orders.command.OrderApi.create(DevData.ADA);
        as(Tokens.customer(DevData.ADA)).header("Idempotency-Key", "pay me").post("/orders/{id}/pay", id)
                .then().statusCode(400).body("errors[0].field", equalTo("Idempotency-Key"));
        // the rejected pay wrote nothing: the order is still at version 1
        as(Tokens.customer(DevData.ADA)).post("/orders/{id}/pay", id).then().statusCode(200)
                .body("version", equalTo(2));
    }

    @Test
    void keysOfTheWholeAlphabetUpTo128CharactersAreAccepted() {
        String longest = "k".repeat(100) + UUID.randomUUID().toString().replace("-", "").substring(0, 28);
        post(DevData.ADA, longest, ONE_KEYBOARD).then().statusCode(201);
        post(DevData.ADA, "job:" + UUID.randomUUID() + ".retry_1-A", ONE_KEYBOARD).then().statusCode(201);
    }

    @Test
    void transitionReplayReturnsTheFirstResultInsteadOf409() {
        UUID id = dev.orders.command.OrderApi.create(DevData.ADA);
        String key = UUID.randomUUID().toString();
        as(Tokens.customer(DevData.ADA)).header("Idempotency-Key", key).post("/orders/{id}/pay", id)
                .then().statusCode(200).body("version", equalTo(2));
        as(Tokens.customer(DevData.ADA)).header("Idempotency-Key", key).post("/orders/{id}/pay", id)
                .then().statusCode(200).header("Idempotent-Replayed", "true").body("version", equalTo(2));
        as(Tokens.customer(DevData.ADA)).post("/orders/{id}/pay", id).then().statusCode(409);
    }

    private io.restassured.response.Response post(UUID customer, String key, String body) {
        return as(Tokens.customer(customer)).header("Idempotency-Key", key).contentType(ContentType.JSON).body(body)
                .post("/orders");
    }

    private long ordersWithKey(String orderId) {
        return db.preparedQuery("SELECT count(*) FROM orders WHERE id = $1").execute(Tuple.of(UUID.fromString(orderId)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
