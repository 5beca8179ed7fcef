package dev.orders.command.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.orders.command.OrderApi;
import dev.orders.command.WriteDb;
import dev.orders.testing.DevData;
import dev.orders.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.inject.Inject;

/**
 * A write database that turned read-only (a switchover, with the pooler still connected to the old primary, now a
 * standby: SQLSTATE 25006) is unavailable, not a bug: 503 problem+json with Retry-After, nothing written. It answered
 * 500 "unexpected error", without Retry-After.
 */
@QuarkusTest
class ReadOnlyWriteDatabaseTest {
    @Inject
    Vertx vertx;
    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String poolerUrl;
    @ConfigProperty(name = "quarkus.datasource.username")
    String user;
    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    @Test
    void aWriteDatabaseThatTurnedReadOnlyAnswers503WithRetryAfterAndWritesNothing() throws Exception {
        UUID customer = DevData.ADA;
        OrderApi.create(customer); // warm: the pool's connections are open before the switch
        try (Connection c = WriteDb.connect(); Statement s = c.createStatement()) {
            long before = ordersOf(c, customer);
            s.execute("ALTER ROLE CURRENT_USER SET default_transaction_read_only = on");
            try {
                reconnectThePoolersSessions(); // its new server sessions start read-only
                place(customer).then().statusCode(503).contentType("application/problem+json")
                        .header("Retry-After", notNullValue())
                        .body("type", equalTo("urn:orders:problem:unavailable"));
                assertEquals(before, ordersOf(c, customer), "nothing written");
            } finally {
                s.execute("ALTER ROLE CURRENT_USER RESET default_transaction_read_only");
                reconnectThePoolersSessions();
            }
        }
        // writable again: the breaker, opened or not by the refusals, lets writes through shortly
        Awaitility.await("a write accepted again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                .until(() -> place(customer).statusCode() == 201);
    }

    private static Response place(UUID customer) {
        return given().header("Authorization", Tokens.customer(customer)).header("Idempotency-Key",
                UUID.randomUUID().toString()).contentType(ContentType.JSON).body(OrderApi.ONE_KEYBOARD).post("/orders");
    }

    /**
     * Has PgBouncer replace its server connections to the write database (its admin console's RECONNECT), so that the
     * new sessions take the role's settings. Only the pooler's: ending every session of the role also ended this JVM's
     * own JDBC connections, which later tests then found closed.
     */
    private void reconnectThePoolersSessions() {
        // postgresql://host:port/database → the pooler's host and port. The Vert.x client, not JDBC: pgjdbc takes the
        // console for a pre-9.0 server and sends SETs, which it refuses.
        URI pooler = URI.create(poolerUrl);
        var options = new PgConnectOptions().setHost(pooler.getHost()).setPort(pooler.getPort()).setDatabase("pgbouncer")
                .setUser(user).setPassword(password);
        PgConnection admin = PgConnection.connect(vertx, options).await().atMost(Duration.ofSeconds(10));
        try {
            admin.query("RECONNECT " + pooler.getPath().substring(1)).execute().await().atMost(Duration.ofSeconds(10));
        } finally {
            admin.close().await().atMost(Duration.ofSeconds(5));
        }
    }

    private static long ordersOf(Connection c, UUID customer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM orders WHERE customer_id = ?")) {
            ps.setObject(1, customer);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
