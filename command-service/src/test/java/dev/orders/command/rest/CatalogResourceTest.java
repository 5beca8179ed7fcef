package dev.orders.command.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

import dev.orders.testing.DevData;
import dev.orders.testing.Tokens;

@QuarkusTest
class CatalogResourceTest {

    @Test
    void productsPageByCursorWithoutGapsOrRepeats() {
        // the first 99 products in one page (all of them on a fresh stack; a seeded one has thousands), then the
        // same span walked 3 at a time: no gap, no repeat, same order
        List<String> all = given().header("Authorization", Tokens.customer(DevData.ADA))
                .queryParam("limit", 99).get("/products")
                .then().statusCode(200)
                .extract().jsonPath().getList("products.id", String.class);
        assertTrue(all.size() >= 8, "dev data set has 8 products");

        List<String> walked = new ArrayList<>();
        String cursor = null;
        do {
            var req = given().header("Authorization", Tokens.customer(DevData.ADA)).queryParam("limit", 3);
            if (cursor != null) {
                req.queryParam("cursor", cursor);
            }
            JsonPath page = req.get("/products").then().statusCode(200).extract().jsonPath();
            walked.addAll(page.getList("products.id", String.class));
            cursor = page.getString("nextCursor");
        } while (cursor != null && walked.size() < all.size());
        assertEquals(all, walked);
    }

    @Test
    void productFieldsMatchTheContract() {
        given().header("Authorization", Tokens.customer(DevData.ADA)).queryParam("limit", 1).get("/products")
                .then().statusCode(200)
                .body("products", hasSize(1))
                .body("products[0].id", notNullValue())
                .body("products[0].name", notNullValue())
                .body("products[0].priceCents", notNullValue())
                .body("products[0].currency", equalTo("EUR"))
                .body("nextCursor", notNullValue());
    }

    @Test
    void customersAreForOpsOnly() {
        given().header("Authorization", Tokens.customer(DevData.ADA)).get("/customers")
                .then().statusCode(403).contentType("application/problem+json");
        given().header("Authorization", Tokens.ops()).queryParam("limit", 2).get("/customers")
                .then().statusCode(200)
                .body("customers", hasSize(2))
                .body("customers[0].email", notNullValue())
                .body("nextCursor", notNullValue());
    }

    @Test
    void badLimitAndCursorAre400() {
        given().header("Authorization", Tokens.ops()).queryParam("limit", 0).get("/products")
                .then().statusCode(400).body("type", equalTo("urn:orders:problem:validation"));
        given().header("Authorization", Tokens.ops()).queryParam("limit", "ten").get("/products")
                .then().statusCode(400);
        given().header("Authorization", Tokens.ops()).queryParam("limit", 101).get("/customers")
                .then().statusCode(400);
        given().header("Authorization", Tokens.ops()).queryParam("cursor", "bm90LWEtY3Vyc29y").get("/products")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void anonymousIs401() {
        given().get("/products").then().statusCode(401).contentType("application/problem+json");
    }
}
