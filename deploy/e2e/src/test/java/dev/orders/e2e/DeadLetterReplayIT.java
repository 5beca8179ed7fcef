package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * A record the read model refuses (here: a constraint standing in for a bad migration) is dead-lettered with the
 * reason while the records behind it are applied; once the cause is fixed, deploy/local/replay-dead-letters brings it
 * back and the projector applies it.
 */
class DeadLetterReplayIT {
    static final String ADA = "c0000000-0000-4000-8000-000000000001";
    static final String BODY = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000005\",\"quantity\":1}]}";

    @Test
    void aRecordDeadLetteredForAFixableCauseIsAppliedAfterTheFixAndTheReplay() throws Exception {
        String customer = Stack.newCustomer("Replay Drill", "replay");
        String id;
        try (Connection read = Stack.readDb(); Statement st = read.createStatement()) {
            st.execute("SET lock_timeout = '10s'");
            st.execute("ALTER TABLE order_view ADD CONSTRAINT replay_drill CHECK (customer_name <> 'Replay Drill')");
            try {
                HttpResponse<String> created = Stack.post(Stack.WRITE_API + "/orders", Stack.token(customer), BODY);
                assertEquals(201, created.statusCode(), created.body());
                id = JsonPath.from(created.body()).getString("id");
                // The projector moves on: an order written after it is applied.
                String ada = Stack.token(ADA);
                HttpResponse<String> next = Stack.post(Stack.WRITE_API + "/orders", ada, BODY);
                assertEquals(201, next.statusCode(), next.body());
                String nextId = JsonPath.from(next.body()).getString("id");
                Awaitility.await("the order behind it applied").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> Stack.getStatus(Stack.READ_API + "/orders/" + nextId, ada) == 200);
                String refused = id;
                Awaitility.await("dead-lettered with its reason").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofSeconds(1)).until(() -> Stack.script(Map.of(),
                                "deploy/local/replay-dead-letters", "--dry-run").lines()
                                .anyMatch(l -> l.contains("key=" + refused) && l.contains("replay_drill")));
                assertEquals(404, Stack.getStatus(Stack.READ_API + "/orders/" + id, Stack.token(customer)));
            } finally {
                st.execute("ALTER TABLE order_view DROP CONSTRAINT IF EXISTS replay_drill"); // the fix
            }
        }
        String out = Stack.script(Map.of(), "deploy/local/replay-dead-letters");
        assertTrue(out.contains("key=" + id), out);
        String owner = Stack.token(customer);
        String replayed = id;
        Awaitility.await("applied after the replay").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> Stack.getStatus(Stack.READ_API + "/orders/" + replayed, owner) == 200);
    }
}
