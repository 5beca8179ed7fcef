package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.orders.testing.Tokens;

/**
 * Against a read database the projector never migrated (a developer's first `quarkus:dev` before the projector ran),
 * reads answer 503 problem+json that says what is missing, not 500.
 */
@QuarkusTest
@TestProfile(MissingReadSchemaTest.EmptyReadDatabase.class)
class MissingReadSchemaTest {

    /** An empty database of its own on the read primary, reached directly (PgBouncer knows only the real ones). */
    public static class EmptyDatabase implements QuarkusTestResourceLifecycleManager {
        static final String NAME = "orders_read_empty_" + UUID.randomUUID().toString().substring(0, 8);
        static final String PORT = System.getenv().getOrDefault("READ_PG_PORT", "15433");

        @Override
        public Map<String, String> start() {
            admin("CREATE DATABASE " + NAME);
            String url = "postgresql://127.0.0.1:" + PORT + "/" + NAME;
            return Map.of("quarkus.datasource.reactive.url", url,
                    "quarkus.datasource.\"primary\".reactive.url", url);
        }

        @Override
        public void stop() {
            admin("DROP DATABASE IF EXISTS " + NAME + " WITH (FORCE)");
        }

        private static void admin(String sql) {
            Properties login = new Properties();
            login.setProperty("user", System.getenv().getOrDefault("ORDERS_DB_USER", "orders"));
            login.setProperty("password", System.getenv().getOrDefault("ORDERS_DB_PASSWORD", "orders"));
            // the driver itself, not DriverManager: DriverManager would remember this test resource's class loader
            // and refuse the driver to later tests that run in Quarkus's ("No suitable driver")
            try (var c = new org.postgresql.Driver().connect("jdbc:postgresql://127.0.0.1:" + PORT + "/postgres", login)) {
                c.createStatement().execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql, e);
            }
        }
    }

    public static class EmptyReadDatabase implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(EmptyDatabase.class));
        }
    }

    @Test
    void readsAnswer503WithTheReasonWhenTheReadSchemaIsMissing() {
        given().header("Authorization", Tokens.ops()).get("/orders?limit=5")
                .then().statusCode(503).contentType("application/problem+json")
                .header("Retry-After", "5")
                .body("status", equalTo(503))
                .body("detail", containsString("read model is not set up"));
    }
}
