package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Filters, contains-search and per-customer summaries of the read API. */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
class OrderListingTest {
    @Inject
    ReadModelFixture fixture;

    private final UUID customer = UUID.randomUUID();

    @Test
    void filtersByStatusAndCreationTimeAndOpsByCustomer() {
        Instant base = Instant.parse("2026-06-10T12:00:00Z");
        UUID paid = fixture.insertOrder(customer, base, "PAID", 2);
        UUID pending = fixture.insertOrder(customer, base.plusSeconds(60), "PENDING", 1);
        UUID later = fixture.insertOrder(customer, base.plusSeconds(86400 * 3), "PAID", 2);
        List.of(paid, pending, later).forEach(fixture::awaitOnReplica);

        assertEquals(List.of(later.toString(), paid.toString()), ids(Tokens.customer(customer), "status=paid"));
        assertEquals(List.of(pending.toString(), paid.toString()), ids(Tokens.customer(customer),
                "createdFrom=2026-06-10T00:00:00Z&createdTo=2026-06-11T00:00:00Z"));
        assertEquals(List.of(pending.toString()), ids(Tokens.customer(customer),
                "status=PENDING,CANCELLED&createdFrom=2026-06-10T00:00:00Z"));
        assertEquals(List.of(later.toString(), pending.toString(), paid.toString()),
                ids(Tokens.ops(), "customerId=" + customer));

        given().header("Authorization", Tokens.customer(UUID.randomUUID())).get("/orders?customerId=" + customer)
                .then().statusCode(403);
        given().header("Authorization", Tokens.customer(customer)).get("/orders?status=LOST").then().statusCode(400);
        given().header("Authorization", Tokens.customer(customer)).get("/orders?createdFrom=yesterday")
                .then().statusCode(400);
        given().header("Authorization", Tokens.customer(customer))
                .get("/orders?createdFrom=2026-06-12T00:00:00Z&createdTo=2026-06-11T00:00:00Z").then().statusCode(400);
    }

    @Test
    void cursorIsBoundToItsFilter() {
        Instant base = Instant.parse("2026-06-20T12:00:00Z");
        for (int i = 0; i < 3; i++) {
            fixture.awaitOnReplica(fixture.insertOrder(customer, base.plusSeconds(i), "PAID", 2));
        }
        String cursor = given().header("Authorization", Tokens.customer(customer)).get("/orders?status=PAID&limit=1")
                .then().statusCode(200).extract().path("nextCursor");
        given().header("Authorization", Tokens.customer(customer)).queryParam("cursor", cursor)
                .get("/orders?status=PAID&limit=1").then().statusCode(200).body("orders", hasSize(1));
        given().header("Authorization", Tokens.customer(customer)).queryParam("cursor", cursor)
                .get("/orders?status=PENDING&limit=1").then().statusCode(400);
    }

    @Test
    void containsSearchFindsItemAndCustomerTextWithinTheCallersOrders() {
        String rare = "zq" + UUID.randomUUID().toString().substring(0, 6);
        UUID mine = fixture.insertOrder(customer, Instant.now(), "PENDING", 1, "Lamp " + rare + " deluxe");
        UUID other = fixture.insertOrder(UUID.randomUUID(), Instant.now(), "PENDING", 1, "Lamp " + rare);
        fixture.awaitOnReplica(mine);
        fixture.awaitOnReplica(other);

        given().header("Authorization", Tokens.customer(customer)).queryParam("q", rare.toUpperCase())
                .get("/orders/search").then().statusCode(200)
                .body("orders", hasSize(1)).body("orders[0].id", equalTo(mine.toString()));
        // across all customers an operator bounds the dates
        given().header("Authorization", Tokens.ops()).queryParam("q", rare)
                .queryParam("createdFrom", Instant.now().minusSeconds(86_400).toString())
                .queryParam("createdTo", Instant.now().plusSeconds(86_400).toString()).get("/orders/search")
                .then().statusCode(200).body("orders", hasSize(2));
        given().header("Authorization", Tokens.customer(customer)).queryParam("q", "ab").get("/orders/search")
                .then().statusCode(400);
        given().header("Authorization", Tokens.customer(customer)).queryParam("q", "100%_off").get("/orders/search")
                .then().statusCode(200).body("orders", hasSize(0));
    }

    @Test
    void aListedOrderIsTheSameJsonAsTheOrderReadById() {
        String rare = "zq" + UUID.randomUUID().toString().substring(0, 6);
        UUID id = fixture.insertOrder(customer, Instant.now(), "PAID", 3, "Desk " + rare);
        fixture.awaitOnReplica(id);
        Map<String, Object> byId = given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).extract().jsonPath().getMap("$");
        assertEquals(1, ((List<?>) byId.get("items")).size(), "the fixture's line");
        // a page passes the stored items through (ListedOrder): same fields, same values, as a list and as a search
        assertEquals(byId, given().header("Authorization", Tokens.customer(customer)).get("/orders?limit=1")
                .then().statusCode(200).extract().jsonPath().getMap("orders[0]"));
        assertEquals(byId, given().header("Authorization", Tokens.customer(customer)).queryParam("q", rare)
                .get("/orders/search").then().statusCode(200).extract().jsonPath().getMap("orders[0]"));
    }

    @Test
    void summaryForTheCustomerOrOpsOnly() {
        fixture.summary(customer, 7, 12345);
        fixture.awaitOnReplica(fixture.insertOrder(customer, Instant.now(), "PAID", 2));
        given().header("Authorization", Tokens.customer(customer)).get("/customers/{id}/summary", customer)
                .then().statusCode(200).body("orderCount", equalTo(7)).body("lifetimeTotalCents", equalTo(12345));
        given().header("Authorization", Tokens.ops()).get("/customers/{id}/summary", customer)
                .then().statusCode(200).body("orderCount", equalTo(7));
        given().header("Authorization", Tokens.customer(UUID.randomUUID())).get("/customers/{id}/summary", customer)
                .then().statusCode(404);
    }

    private List<String> ids(String token, String query) {
        return given().header("Authorization", token).get("/orders?" + query).then().statusCode(200)
                .extract().jsonPath().getList("orders.id", String.class);
    }
}
