package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * The projector is SIGKILLed repeatedly while a few thousand orders (and payments) flow; after it is restarted the
 * read model equals the write model (deploy/local/check-consistency), with no duplicate rows and an exact summary.
 */
class ProjectorCrashIT {
    static final int ORDERS = Integer.parseInt(Stack.env("ORDERS_E2E_CRASH_ORDERS", "2000"));
    static final int KILLS = 3;

    @AfterAll
    static void restoreStack() throws Exception {
        Stack.script(Map.of(), "deploy/local/up");
    }

    @Test
    void readModelEndsEqualToWriteModelAfterRepeatedKills() throws Exception {
        String customer = Stack.newCustomer("Crash Test", "crash");
        String token = Stack.token(customer);
        String body = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000004\",\"quantity\":1},"
                + "{\"productId\":\"a0000000-0000-4000-8000-000000000007\",\"quantity\":2}]}";

        AtomicInteger done = new AtomicInteger();
        Semaphore inFlight = new Semaphore(16);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        int nextKill = ORDERS / (KILLS + 1);
        int kills = 0;
        for (int i = 0; i < ORDERS; i++) {
            inFlight.acquire();
            // A client that retries a 503 (the write API sheds load while a restarting projector takes the CPU).
            calls.add(Stack.postRetrying(Stack.WRITE_API + "/orders", token, body).whenComplete((r, e) -> {
                        done.incrementAndGet();
                        inFlight.release();
                    }));
            if (i == nextKill && kills < KILLS) {
                Stack.kill("projector", true); // SIGKILL mid-batch: uncommitted work and offsets are lost
                Stack.script(Map.of(), "deploy/local/up");
                kills++;
                nextKill += ORDERS / (KILLS + 1);
            }
        }
        List<String> ids = new ArrayList<>();
        for (var c : calls) {
            HttpResponse<String> r = c.join();
            assertEquals(201, r.statusCode(), r.body());
            ids.add(JsonPath.from(r.body()).getString("id"));
        }
        for (int i = 0; i < ids.size(); i += 4) { // every fourth order gets paid: a second event per order
            assertEquals(200, Stack.post(Stack.WRITE_API + "/orders/" + ids.get(i) + "/pay", token, "").statusCode());
        }
        assertEquals(KILLS, kills);

        System.out.println(Stack.awaitConsistent(customer, Duration.ofSeconds(120)));
        Stack.script(Map.of(), "deploy/local/check-consistency", "--replica", "--customer", customer);

        try (Connection write = Stack.writeDb(); Connection read = Stack.replica()) {
            String expected = scalar(write, """
                    SELECT count(*) || '/' || sum(total_cents) FILTER (WHERE status <> 'CANCELLED')
                      FROM orders WHERE customer_id = ?::uuid""", customer);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> expected.equals(scalar(read,
                    "SELECT order_count || '/' || lifetime_total_cents FROM customer_summary WHERE customer_id = ?::uuid",
                    customer)));
            assertEquals(String.valueOf(ORDERS), expected.split("/")[0]);
        }
    }

    private static String scalar(Connection c, String sql, String param) throws Exception {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, param);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
