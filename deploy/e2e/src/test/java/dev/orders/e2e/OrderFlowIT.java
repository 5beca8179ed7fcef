package dev.orders.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.restassured.http.ContentType;

/**
 * The whole path on real components: client → command-service → write Postgres (order + outbox in one transaction)
 * → relay → Kafka → projector → partitioned read table on the read primary → streaming replica → query-service.
 */
class OrderFlowIT {
    // the stack under test (deploy/local/test's own, or ORDERS_*_API), never a fixed port of a developer's stack
    static final String WRITE_API = Stack.WRITE_API;
    static final String READ_API = Stack.READ_API;
    static final String REPLICA_JDBC = "jdbc:postgresql://127.0.0.1:" + env("REPLICA_PG_PORT", "15434") + "/orders_read";
    static final UUID ADA = UUID.fromString("c0000000-0000-4000-8000-000000000001");
    static final UUID GRACE = UUID.fromString("c0000000-0000-4000-8000-000000000002");
    static final String BODY = """
            {"items":[{"productId":"a0000000-0000-4000-8000-000000000001","quantity":2},
                      {"productId":"a0000000-0000-4000-8000-000000000003","quantity":1}]}""";

    static String ada;
    static String grace;

    @BeforeAll
    static void tokens() throws Exception {
        ada = "Bearer " + token(ADA.toString());
        grace = "Bearer " + token(GRACE.toString());
        // Warm-up: the first order after start pays for JIT, connection set-up and consumer-group join.
        UUID warm = create();
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> given().header("Authorization", ada).get(READ_API + "/orders/" + warm).statusCode() == 200);
    }

    @Test
    void orderWrittenThroughWriteApiIsReadBackFromReplicaWithinTwoSeconds() throws Exception {
        long start = System.nanoTime();
        UUID id = create();
        Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(25))
                .until(() -> given().header("Authorization", ada).get(READ_API + "/orders/" + id).statusCode() == 200);
        long visibleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("write→read visibility through replica: %d ms%n", visibleMs);

        given().header("Authorization", ada).get(READ_API + "/orders/" + id)
                .then().statusCode(200)
                .body("status", equalTo("PENDING"))
                .body("version", equalTo(1))
                .body("customerName", equalTo("Ada Lovelace"))
                .body("totalCents", equalTo(2 * 8900 + 24900))
                .body("items.size()", equalTo(2));

        try (Connection replica = DriverManager.getConnection(REPLICA_JDBC, env("ORDERS_DB_USER", "orders"),
                env("ORDERS_DB_PASSWORD", "orders"))) {
            assertTrue(scalar(replica, "SELECT pg_is_in_recovery()::text", null).equals("true"),
                    "the replica is a hot standby");
            String partition = scalar(replica, "SELECT tableoid::regclass::text FROM order_view WHERE id = ?", id);
            assertTrue(partition.startsWith("order_view_p"), "stored in a partition child table, got " + partition);
        }

        var ids = given().header("Authorization", ada).queryParam("limit", 100).get(READ_API + "/orders")
                .then().statusCode(200).extract().jsonPath().getList("orders.id", String.class);
        assertTrue(ids.contains(id.toString()), "listed among the customer's orders");

        given().header("Authorization", grace).get(READ_API + "/orders/" + id)
                .then().statusCode(404).contentType("application/problem+json");
    }

    static UUID create() {
        String location = given().header("Authorization", ada).contentType(ContentType.JSON).body(BODY)
                .post(WRITE_API + "/orders")
                .then().statusCode(201).extract().header("Location");
        assertTrue(location.startsWith(READ_API + "/orders/"), location);
        return UUID.fromString(location.substring(location.lastIndexOf('/') + 1));
    }

    /** Mints a token exactly as a developer would: deploy/local/token prints the JWT alone on stdout. */
    static String token(String subject) throws IOException, InterruptedException {
        Path repo = Path.of(System.getProperty("orders.repo", "../.."));
        Process p = new ProcessBuilder(repo.resolve("deploy/local/token").toString(), subject)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "token command finished");
        assertEquals(0, p.exitValue(), "token command exit code");
        assertEquals(3, out.split("\\.").length, "a JWT has three parts");
        return out;
    }

    static String scalar(Connection c, String sql, UUID param) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            if (param != null) {
                st.setObject(1, param);
            }
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next(), "one row from: " + sql);
                return rs.getString(1);
            }
        }
    }

    static String env(String name, String fallback) {
        return System.getenv().getOrDefault(name, fallback);
    }
}
