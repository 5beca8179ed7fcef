package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.restassured.path.json.JsonPath;

/**
 * Crash safety of the write side on the real stack: a command-service killed between commit and publish loses no
 * event, and two relaying instances together publish every outbox row exactly into the read model.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutboxCrashIT {
    static final String ADA = "c0000000-0000-4000-8000-000000000001";
    static final String BODY = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000002\",\"quantity\":1}]}";
    static Process second;

    @AfterAll
    static void restoreStack() throws Exception {
        if (second != null) {
            second.destroy();
        }
        Stack.script(Map.of(), "deploy/local/up"); // whatever happened, leave the normal stack running
    }

    @Test
    @Order(1)
    void killedBetweenCommitAndPublishTheServiceLosesNoEvent() throws Exception {
        String token = Stack.token(ADA);
        Stack.kill("command-service", false);
        // Restart with the relay switched off: accepted orders stay committed but unpublished in the outbox.
        Stack.script(Map.of("ORDERS_OUTBOX_RELAY_ENABLED", "false", "ORDERS_OUTBOX_LISTEN_ENABLED", "false"),
                "deploy/local/up");
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = Stack.post(Stack.WRITE_API + "/orders", token, BODY);
            assertEquals(201, r.statusCode(), r.body());
            ids.add(UUID.fromString(JsonPath.from(r.body()).getString("id")));
        }
        assertEquals(20, unpublished(ids), "acknowledged (201) and committed, not published");

        Stack.kill("command-service", true); // SIGKILL: no shutdown hook, no last flush
        Stack.script(Map.of(), "deploy/local/up"); // normal restart: the relay drains on start

        String owner = Stack.token(ADA);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (UUID id : ids) {
                if (Stack.getStatus(Stack.READ_API + "/orders/" + id, owner) != 200) {
                    return false;
                }
            }
            return true;
        });
        assertEquals(0, unpublished(ids));
    }

    @Test
    @Order(2)
    void twoRelayingInstancesPublishEveryRowAndTheReadModelMatchesTheWriteModel() throws Exception {
        String alt = "http://127.0.0.1:" + Stack.env("ORDERS_E2E_SECOND_PORT", "8091");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", Stack.REPO.resolve("command-service/target/quarkus-app/quarkus-run.jar").toString())
                .redirectErrorStream(true)
                .redirectOutput(Stack.STATE.resolve("logs/command-service-second.log").toFile());
        pb.environment().put("QUARKUS_HTTP_PORT", URI.create(alt).getPort() + "");
        pb.environment().put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", Stack.STATE.resolve("jwt/publicKey.pem").toString());
        pb.environment().put("ORDERS_SEED_DEV_DATA", "true");
        second = pb.start();
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> Stack.getStatus(alt + "/q/health/ready", "") == 200);

        String token = Stack.token(ADA);
        String ops = "Bearer " + Stack.script(Map.of(), "deploy/local/token", "--ops").trim();
        List<CompletableFuture<HttpResponse<String>>> creates = new ArrayList<>();
        Semaphore inFlight = new Semaphore(16);
        for (int i = 0; i < 300; i++) {
            String base = i % 2 == 0 ? Stack.WRITE_API : alt;
            inFlight.acquire();
            creates.add(Stack.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base + "/orders"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", token)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
                    HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release()));
        }
        List<UUID> ids = new ArrayList<>();
        for (var c : creates) {
            HttpResponse<String> r = c.join();
            assertEquals(201, r.statusCode(), r.body());
            ids.add(UUID.fromString(JsonPath.from(r.body()).getString("id")));
        }
        // A second event for every third order, through the other instance.
        for (int i = 0; i < ids.size(); i += 3) {
            String base = i % 2 == 0 ? alt : Stack.WRITE_API;
            assertEquals(200, Stack.post(base + "/orders/" + ids.get(i) + "/pay", ops, "").statusCode());
        }

        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> unpublished(ids) == 0 && readModel(ids).equals(writeModel(ids)));
        assertEquals(writeModel(ids), readModel(ids));
        assertTrue(relayed(Stack.WRITE_API) > 0 && relayed(alt) > 0, "both instances relayed rows");
    }

    private static double relayed(String base) throws Exception {
        String metrics = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("outbox_relayed_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static long unpublished(List<UUID> ids) throws Exception {
        try (Connection db = Stack.writeDb(); PreparedStatement st = db.prepareStatement(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND aggregateid = ANY(?)")) {
            st.setArray(1, db.createArrayOf("text", ids.stream().map(UUID::toString).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Map<UUID, String> writeModel(List<UUID> ids) throws Exception {
        try (Connection db = Stack.writeDb()) {
            return rows(db, "SELECT id, status || '/' || version || '/' || total_cents FROM orders WHERE id = ANY(?)",
                    ids);
        }
    }

    private static Map<UUID, String> readModel(List<UUID> ids) throws Exception {
        try (Connection db = Stack.replica()) {
            return rows(db, "SELECT id, status || '/' || version || '/' || total_cents FROM order_view WHERE id = ANY(?)",
                    ids);
        }
    }

    private static Map<UUID, String> rows(Connection db, String sql, List<UUID> ids) throws Exception {
        Map<UUID, String> out = new HashMap<>();
        try (PreparedStatement st = db.prepareStatement(sql)) {
            Array arr = db.createArrayOf("uuid", ids.toArray());
            st.setArray(1, arr);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getObject(1, UUID.class), rs.getString(2));
                }
            }
        }
        return out;
    }
}
