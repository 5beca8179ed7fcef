package dev.orders.command.rest;

import static dev.orders.command.OrderApi.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.CatalogEvent;
import dev.orders.events.Topics;
import dev.orders.testing.DevData;
import dev.orders.testing.KafkaTail;
import dev.orders.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/** Operators create and change reference data; every change is an event on catalog.events.v1. */
@QuarkusTest
class CatalogAdminTest {
    @Inject
    ObjectMapper json;
    @Inject
    Pool db;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void productCreatedAndRenamedAreAnnouncedWithIncreasingVersions() throws Exception {
        try (KafkaTail tail = new KafkaTail(bootstrap, Topics.CATALOG_EVENTS)) {
            String id = as(Tokens.ops()).contentType(ContentType.JSON)
                    .body("{\"name\":\"Trackball\",\"priceCents\":5900,\"currency\":\"EUR\"}")
                    .post("/products").then().statusCode(201).body("name", equalTo("Trackball"))
                    .extract().path("id");
            CatalogEvent created = json.readValue(tail.await(id, Duration.ofSeconds(15)).value(), CatalogEvent.class);
            assertEquals("ProductCreated", created.type().name());
            assertEquals(1, created.aggregateVersion());

            as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"Trackball Pro\"}")
                    .patch("/products/{id}", id).then().statusCode(200).body("name", equalTo("Trackball Pro"))
                    .body("priceCents", equalTo(5900));
            CatalogEvent renamed = json.readValue(tail.await(id, Duration.ofSeconds(15)).value(), CatalogEvent.class);
            assertEquals("ProductUpdated", renamed.type().name());
            assertEquals(2, renamed.aggregateVersion());
            assertEquals("Trackball Pro", renamed.product().name());
        }
    }

    @Test
    void concurrentPatchesTakeTurnsSoEachPublishesItsOwnVersionAndTheLastWins() throws Exception {
        int patches = 12;
        // The tail opens before the product exists: the relay publishes the creation (version 1) asynchronously, so
        // a tail opened after the 201 sometimes saw it and sometimes did not.
        try (KafkaTail tail = new KafkaTail(bootstrap, Topics.CATALOG_EVENTS)) {
            String id = as(Tokens.ops()).contentType(ContentType.JSON)
                    .body("{\"name\":\"Contended\",\"priceCents\":100,\"currency\":\"EUR\"}")
                    .post("/products").then().statusCode(201).extract().path("id");
            assertEquals(1, json.readValue(tail.await(id, Duration.ofSeconds(15)).value(), CatalogEvent.class)
                    .aggregateVersion(), "the creation is version 1");
            List<CompletableFuture<Void>> calls = new ArrayList<>();
            for (int i = 0; i < patches; i++) {
                int price = 1000 + i;
                calls.add(CompletableFuture.runAsync(() -> as(Tokens.ops()).contentType(ContentType.JSON)
                        .body("{\"priceCents\":" + price + "}").patch("/products/{id}", id).then().statusCode(200)));
            }
            calls.forEach(CompletableFuture::join);
            List<CatalogEvent> events = new ArrayList<>();
            for (var r : tail.await(id, patches, Duration.ofSeconds(20))) {
                events.add(json.readValue(r.value(), CatalogEvent.class));
            }
            // Versions 2..13, each once and in order: no two changes claimed the same version.
            assertEquals(LongStream.rangeClosed(2, patches + 1).boxed().toList(),
                    events.stream().map(CatalogEvent::aggregateVersion).toList());
            // The newest version carries the price the product ends with.
            long finalPrice = db.preparedQuery("SELECT price_cents FROM products WHERE id = $1")
                    .execute(Tuple.of(UUID.fromString(id))).await().atMost(Duration.ofSeconds(5))
                    .iterator().next().getLong(0);
            assertEquals(finalPrice, events.get(patches - 1).product().priceCents());
        }
    }

    @Test
    void customerRenameIsAnEventAndDuplicateEmailIs409() throws Exception {
        String email = "u" + UUID.randomUUID() + "@example.com";
        try (KafkaTail tail = new KafkaTail(bootstrap, Topics.CATALOG_EVENTS)) {
            String id = as(Tokens.ops()).contentType(ContentType.JSON)
                    .body("{\"name\":\"Katherine Johnson\",\"email\":\"" + email + "\"}")
                    .post("/customers").then().statusCode(201).extract().path("id");
            tail.await(id, Duration.ofSeconds(15));
            as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"Katherine G. Johnson\"}")
                    .patch("/customers/{id}", id).then().statusCode(200);
            CatalogEvent renamed = json.readValue(tail.await(id, Duration.ofSeconds(15)).value(), CatalogEvent.class);
            assertEquals("CustomerUpdated", renamed.type().name());
            assertEquals("Katherine G. Johnson", renamed.customer().name());
            assertEquals(2, renamed.aggregateVersion());
        }
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"Someone Else\",\"email\":\"" + email + "\"}")
                .post("/customers").then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:email-taken"));
    }

    @Test
    void onlyOpsChangeReferenceDataAndBadInputIs400() {
        as(Tokens.customer(DevData.ADA)).contentType(ContentType.JSON)
                .body("{\"name\":\"X\",\"priceCents\":1,\"currency\":\"EUR\"}").post("/products")
                .then().statusCode(403);
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"X\",\"priceCents\":-1,\"currency\":\"EUR\"}")
                .post("/products").then().statusCode(400).body("type", equalTo("urn:orders:problem:validation"));
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"X\",\"priceCents\":1,\"currency\":\"euro\"}")
                .post("/products").then().statusCode(400);
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"X\",\"email\":\"not-an-email\"}")
                .post("/customers").then().statusCode(400);
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"\"}")
                .patch("/customers/{id}", DevData.ADA).then().statusCode(400);
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"Nobody\"}")
                .patch("/products/{id}", UUID.randomUUID()).then().statusCode(404);
    }

    /**
     * Names and emails refuse Unicode Cc (NUL, BEL, newline) and Cf (bidi overrides, zero-width characters) with a 400
     * naming the field, on create and on change, and nothing reaches Postgres (a NUL there was a 500).
     */
    @Test
    void controlAndFormatCharactersInNamesAndEmailsAre400NamingTheField() {
        String product = as(Tokens.ops()).contentType(ContentType.JSON)
                .body("{\"name\":\"Plain\",\"priceCents\":100,\"currency\":\"EUR\"}").post("/products")
                .then().statusCode(201).extract().path("id");
        // JSON escapes, decoded by the server: NUL, BEL, LF, RLO (bidi override), ZWSP, ZWJ, BOM, LRI, a lone surrogate
        for (String bad : List.of("\\u0000", "a\\u0007b", "line\\nbreak", "evil\\u202Egnp.exe", "zero\\u200Bwidth",
                "a\\u200Db", "\\uFEFFbom", "x\\u2066y", "half\\uD800")) {
            String name = "{\"name\":\"" + bad + "\"";
            as(Tokens.ops()).contentType(ContentType.JSON).body(name + ",\"priceCents\":1,\"currency\":\"EUR\"}")
                    .post("/products").then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:orders:problem:validation")).body("errors[0].field", equalTo("name"));
            as(Tokens.ops()).contentType(ContentType.JSON).body(name + "}").patch("/products/{id}", product)
                    .then().statusCode(400).body("errors[0].field", equalTo("name"));
            as(Tokens.ops()).contentType(ContentType.JSON).body(name + ",\"email\":\"x-" + UUID.randomUUID()
                    + "@example.com\"}").post("/customers").then().statusCode(400).body("errors[0].field", equalTo("name"));
            as(Tokens.ops()).contentType(ContentType.JSON).body(name + "}").patch("/customers/{id}", DevData.ADA)
                    .then().statusCode(400).body("errors[0].field", equalTo("name"));
        }
        as(Tokens.ops()).contentType(ContentType.JSON)
                .body("{\"name\":\"Mail\",\"email\":\"zero\\u200Bwidth-" + UUID.randomUUID() + "@example.com\"}")
                .post("/customers").then().statusCode(400).body("errors[0].field", equalTo("email"));
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"email\":\"nul\\u0000@example.com\"}")
                .patch("/customers/{id}", DevData.ADA).then().statusCode(400).body("errors[0].field", equalTo("email"));
        as(Tokens.ops()).contentType(ContentType.JSON).body("{}").patch("/products/{id}", product)
                .then().statusCode(200).body("name", equalTo("Plain")).body("priceCents", equalTo(100));
    }

    /**
     * The length rules hold for the text as stored, stripped and in NFC: a name of only spaces (U+2003 and U+3000,
     * which {@code @NotBlank} keeps) and one that NFC lengthens past 200 (U+FB2C is three code points) are 400s naming
     * the field, and nothing changes. They reached the tables' CHECK constraints and answered 500.
     */
    @Test
    void namesBlankOrTooLongOnceCleanedAre400AndChangeNothing() {
        String product = as(Tokens.ops()).contentType(ContentType.JSON)
                .body("{\"name\":\"Kept\",\"priceCents\":100,\"currency\":\"EUR\"}").post("/products")
                .then().statusCode(201).extract().path("id");
        String growsInNfc = "\\uFB2C".repeat(200); // JSON escapes: 200 characters sent, 600 once in NFC
        for (String bad : List.of(" ", "\\u2003", "\\u3000 \\u2003", growsInNfc)) {
            String name = "{\"name\":\"" + bad + "\"";
            as(Tokens.ops()).contentType(ContentType.JSON).body(name + "}").patch("/products/{id}", product)
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:orders:problem:validation")).body("errors[0].field", equalTo("name"));
            as(Tokens.ops()).contentType(ContentType.JSON).body(name + "}").patch("/customers/{id}", DevData.ADA)
                    .then().statusCode(400).body("errors[0].field", equalTo("name"));
            as(Tokens.ops()).contentType(ContentType.JSON).body(name + ",\"priceCents\":1,\"currency\":\"EUR\"}")
                    .post("/products").then().statusCode(400).body("errors[0].field", equalTo("name"));
        }
        var row = db.preparedQuery("SELECT name, version FROM products WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(product))).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertEquals("Kept", row.getString("name"));
        assertEquals(1L, row.getLong("version"), "no refused change was written");
    }

    /** Names are stored in NFC: "e" + combining acute and the precomposed "é" are one name. */
    @Test
    void namesAndEmailsAreNormalisedToNfc() {
        String decomposed = "Cafe\\u0301 Cre\\u0300me"; // JSON escapes: e + U+0301, e + U+0300
        String composed = "Caf\u00e9 Cr\u00e8me";
        String product = as(Tokens.ops()).contentType(ContentType.JSON)
                .body("{\"name\":\"" + decomposed + "\",\"priceCents\":450,\"currency\":\"EUR\"}").post("/products")
                .then().statusCode(201).body("name", equalTo(composed)).extract().path("id");
        as(Tokens.ops()).contentType(ContentType.JSON).body("{\"name\":\"" + decomposed + " Noir\"}")
                .patch("/products/{id}", product).then().statusCode(200).body("name", equalTo(composed + " Noir"));
        assertEquals(composed + " Noir", db.preparedQuery("SELECT name FROM products WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(product))).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getString(0));

        String local = "jose\\u0301-" + UUID.randomUUID();
        as(Tokens.ops()).contentType(ContentType.JSON)
                .body("{\"name\":\"Jose\\u0301\",\"email\":\"" + local + "@example.com\"}").post("/customers")
                .then().statusCode(201).body("name", equalTo("Jos\u00e9"))
                .body("email", equalTo(local.replace("e\\u0301", "\u00e9") + "@example.com"));
    }
}
