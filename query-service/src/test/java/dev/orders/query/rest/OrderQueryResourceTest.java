package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.testing.Tokens;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
class OrderQueryResourceTest {
    @Inject
    ReadModelFixture fixture;
    @Inject
    RedisDataSource redis;
    @Inject
    com.fasterxml.jackson.databind.ObjectMapper json;

    private final UUID customer = UUID.randomUUID();

    @Test
    void timestampsAreWrittenWithTheContractsCodec() throws Exception {
        assertTrue(dev.orders.events.json.Rfc3339Instants.installedIn(json),
                "jsr310's formatter, not Rfc3339Instants, writes the responses' timestamps");
    }

    @Test
    void ownerReadsOrderFromReplicaWithCustomerFieldsEtagAnd304() {
        Instant created = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        UUID id = fixture.insertOrder(customer, created, "PENDING", 1);
        fixture.awaitOnReplica(id);
        long revision = fixture.revision(id);
        String etag = "\"1." + revision + "\""; // version.revision

        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200)
                .header("ETag", etag)
                .header("RateLimit-Limit", notNullValue())
                .header("RateLimit-Remaining", notNullValue())
                .header("RateLimit-Reset", notNullValue())
                .header("X-RateLimit-Limit", notNullValue())
                .body("id", equalTo(id.toString()))
                .body("customerId", equalTo(customer.toString()))
                .body("customerName", equalTo("Test Customer"))
                .body("customerEmail", equalTo("test@example.com"))
                .body("status", equalTo("PENDING"))
                .body("version", equalTo(1))
                .body("createdAt", equalTo(created.toString()))
                .body("updatedAt", equalTo(created.toString()))
                .body("totalCents", equalTo(2500))
                .body("items", hasSize(1))
                .body("items[0].name", equalTo("Widget"));

        given().header("Authorization", Tokens.customer(customer)).header("If-None-Match", etag)
                .get("/orders/{id}", id)
                .then().statusCode(304);
        // If-None-Match compares weakly (RFC 9110 13.1.2): the tag a compressing proxy hands back, W/ in front, matches
        given().header("Authorization", Tokens.customer(customer)).header("If-None-Match", "W/" + etag)
                .get("/orders/{id}", id)
                .then().statusCode(304).header("ETag", etag);
        given().header("Authorization", Tokens.customer(customer)).header("If-None-Match", "\"0.0\", W/" + etag)
                .get("/orders/{id}", id)
                .then().statusCode(304);

        assertTrue(redis.value(String.class).get("orders:v1:default:order:" + id).startsWith(revision + "|{"),
                "cache-aside stored the row at its revision");
    }

    @Test
    void anotherCustomersOrderIs404ButOpsSeeIt() {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PAID", 2);
        fixture.awaitOnReplica(id);
        given().header("Authorization", Tokens.customer(UUID.randomUUID())).get("/orders/{id}", id)
                .then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:not-found"))
                .header("RateLimit-Limit", notNullValue());
        given().header("Authorization", Tokens.ops()).get("/orders/{id}", id)
                .then().statusCode(200).body("status", equalTo("PAID"));
    }

    @Test
    void badAndUnknownIds() {
        given().header("Authorization", Tokens.customer(customer)).get("/orders/not-a-uuid")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("UUID"));
        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", UUID.randomUUID())
                .then().statusCode(404);
        given().get("/orders/{id}", UUID.randomUUID())
                .then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void pagesNewestFirstByOpaqueCursorWithNextLink() {
        List<UUID> ids = new ArrayList<>();
        Instant base = Instant.now().minusSeconds(60);
        for (int i = 0; i < 5; i++) {
            ids.add(fixture.insertOrder(customer, base.plusSeconds(i), "PENDING", 1));
        }
        // Two orders at the same instant: the id breaks the tie, so neither is skipped or repeated.
        ids.add(fixture.insertOrder(customer, base.plusSeconds(2), "PENDING", 1));
        ids.forEach(fixture::awaitOnReplica);

        // walked by following each page's Link: it keeps the other parameters (status) and carries the next cursor
        List<String> walked = new ArrayList<>();
        String next = "/orders?status=PENDING&limit=2";
        int pages = 0;
        while (next != null) {
            Response res = given().header("Authorization", Tokens.customer(customer)).urlEncodingEnabled(false)
                    .get(next);
            res.then().statusCode(200);
            JsonPath page = res.jsonPath();
            walked.addAll(page.getList("orders.id", String.class));
            String cursor = page.getString("nextCursor");
            String link = res.header("Link");
            if (cursor == null) {
                assertNull(link, "no Link on the last page");
                next = null;
            } else {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^<(http://[^>]+)>; rel=\"next\"$")
                        .matcher(link);
                assertTrue(m.matches(), link);
                next = m.group(1);
                assertTrue(next.contains("?status=PENDING&limit=2&cursor=" + cursor), next);
            }
            pages++;
        }

        assertEquals(3, pages);
        assertEquals(6, walked.size());
        assertEquals(6, walked.stream().distinct().count(), "no duplicates");
        List<String> expected = given().header("Authorization", Tokens.customer(customer)).queryParam("limit", 100)
                .get("/orders").then().statusCode(200).body("nextCursor", nullValue())
                .extract().jsonPath().getList("orders.id", String.class);
        assertEquals(expected, walked);
        List<String> createdAt = given().header("Authorization", Tokens.customer(customer)).queryParam("limit", 100)
                .get("/orders").jsonPath().getList("orders.createdAt", String.class);
        for (int i = 1; i < createdAt.size(); i++) {
            assertTrue(Instant.parse(createdAt.get(i - 1)).compareTo(Instant.parse(createdAt.get(i))) >= 0,
                    "newest first");
        }
    }

    @Test
    void tamperedForeignAndGarbageCursorsAre400() {
        for (int i = 0; i < 3; i++) {
            fixture.awaitOnReplica(fixture.insertOrder(customer, Instant.now().minusSeconds(i), "PENDING", 1));
        }
        String cursor = given().header("Authorization", Tokens.customer(customer)).queryParam("limit", 1)
                .get("/orders").then().statusCode(200).extract().jsonPath().getString("nextCursor");
        assertNotNull(cursor);

        char[] chars = cursor.toCharArray();
        chars[5] = chars[5] == 'A' ? 'B' : 'A';
        for (String bad : List.of(new String(chars), "garbage!", "AAAA")) {
            given().header("Authorization", Tokens.customer(customer)).queryParam("cursor", bad).get("/orders")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:orders:problem:validation"));
        }
        // A genuine cursor, but issued for another customer's list.
        given().header("Authorization", Tokens.customer(UUID.randomUUID())).queryParam("cursor", cursor)
                .get("/orders").then().statusCode(400);
        given().header("Authorization", Tokens.customer(customer)).queryParam("limit", 101).get("/orders")
                .then().statusCode(400);
    }

    /** The read API requires the same audience and maximum age as the write API (command-service TokenChecksTest). */
    @Test
    void aTokenForAnotherAudienceOrTooOldIs401() {
        long now = System.currentTimeMillis() / 1000;
        for (String token : List.of(Tokens.customerClaims(customer).audience("billing-api").sign(),
                Tokens.customerClaims(customer).issuedAt(now - 3700).expiresAt(now + 600).sign())) {
            given().header("Authorization", "Bearer " + token).get("/orders").then().statusCode(401)
                    .contentType("application/problem+json").body("type", equalTo("urn:orders:problem:unauthorized"));
        }
        given().header("Authorization", Tokens.customer(customer)).get("/orders").then().statusCode(200);
    }

    /** A genuine cursor whose key id is not configured (a key dropped after rotation): 400 naming the cursor. */
    @Test
    void aCursorSignedWithAnUnknownKeyIs400() {
        for (int i = 0; i < 2; i++) {
            fixture.awaitOnReplica(fixture.insertOrder(customer, Instant.now().minusSeconds(i), "PENDING", 1));
        }
        String cursor = given().header("Authorization", Tokens.customer(customer)).queryParam("limit", 1)
                .get("/orders").then().statusCode(200).extract().jsonPath().getString("nextCursor");
        byte[] raw = java.util.Base64.getUrlDecoder().decode(cursor);
        assertEquals(2, raw[0], "format 2: key id, position, tag");
        byte[] gone = "gone".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream other = new java.io.ByteArrayOutputStream();
        other.write(2);
        other.write(gone.length);
        other.writeBytes(gone);
        other.write(raw, 2 + raw[1], raw.length - 2 - raw[1]);
        given().header("Authorization", Tokens.customer(customer))
                .queryParam("cursor", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(other.toByteArray()))
                .get("/orders").then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:validation"))
                .body("errors[0].field", equalTo("cursor"))
                .body("detail", containsString("key"));
    }
}
