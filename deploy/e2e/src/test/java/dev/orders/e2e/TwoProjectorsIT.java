package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * Two projector processes in one consumer group (two consumers each) while orders, payments and customer renames
 * flow: the partitions are shared between them, and the read model ends equal to the write model, with every order
 * row carrying the customer's last name (a rename never races an order upsert into an older name).
 */
class TwoProjectorsIT {
    static final String BODY = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000002\",\"quantity\":2}]}";
    static final int ORDERS = 300;
    static Process second;

    @AfterAll
    static void stopSecond() throws Exception {
        if (second != null) {
            second.destroy();
        }
        Stack.script(Map.of(), "deploy/local/up");
    }

    @Test
    void twoProjectorProcessesShareThePartitionsAndTheReadModelEndsEqualWithTheLastName() throws Exception {
        String alt = "http://127.0.0.1:" + Stack.env("ORDERS_E2E_SECOND_PROJECTOR_PORT", "8093");
        second = Stack.startSecond("projector", alt, Map.of());

        String customer = Stack.newCustomer("Two Projectors", "twoprojectors");
        String token = Stack.token(customer);
        String ops = "Bearer " + Stack.script(Map.of(), "deploy/local/token", "--ops").trim();
        List<CompletableFuture<HttpResponse<String>>> creates = new ArrayList<>();
        Semaphore inFlight = new Semaphore(16);
        String lastName = null;
        for (int i = 0; i < ORDERS; i++) {
            if (i % 100 == 50) { // renames while orders of the customer flow
                lastName = "Two Projectors " + i;
                HttpResponse<String> renamed = Stack.HTTP.send(HttpRequest.newBuilder(
                        URI.create(Stack.WRITE_API + "/customers/" + customer)).timeout(Duration.ofSeconds(20))
                        .header("Authorization", ops).header("Content-Type", "application/json")
                        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"name\":\"" + lastName + "\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, renamed.statusCode(), renamed.body());
            }
            inFlight.acquire();
            creates.add(Stack.postRetrying(Stack.WRITE_API + "/orders", token, BODY)
                    .whenComplete((r, e) -> inFlight.release()));
        }
        List<String> ids = new ArrayList<>();
        for (var c : creates) {
            HttpResponse<String> r = c.join();
            assertEquals(201, r.statusCode(), r.body());
            ids.add(JsonPath.from(r.body()).getString("id"));
        }
        for (int i = 0; i < ids.size(); i += 3) {
            assertEquals(200, Stack.post(Stack.WRITE_API + "/orders/" + ids.get(i) + "/pay", token, "").statusCode());
        }

        Stack.awaitConsistent(customer, Duration.ofSeconds(120));
        String finalName = lastName;
        try (Connection read = Stack.readDb()) {
            Awaitility.await("every row with the last name").atMost(Duration.ofSeconds(30))
                    .until(() -> count(read, "SELECT count(*) FROM order_view WHERE customer_id = ?::uuid "
                            + "AND customer_name <> '" + finalName + "'", customer) == 0);
            assertEquals(ORDERS, count(read, "SELECT count(*) FROM order_view WHERE customer_id = ?::uuid", customer));
        }
        assertTrue(applied(alt) > 0, "the second projector applied events: it had partitions of its own");
        assertTrue(applied("http://127.0.0.1:" + Stack.env("PROJECTOR_PORT", "8083")) > 0, "and so did the first");
    }

    private static long count(Connection c, String sql, String param) throws Exception {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, param);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static double applied(String base) throws Exception {
        return Stack.counter(base, "projector_events_applied_total");
    }
}
