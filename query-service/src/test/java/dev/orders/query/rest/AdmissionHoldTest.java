package dev.orders.query.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.http.admission.AdmissionControl;
import dev.orders.query.Metrics;
import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.testing.RawHttp;
import dev.orders.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;

/**
 * A request held on a rejected connection waits for a slot no longer than any request may (the waiting room's
 * max-wait): when its hold window ends past that, it is answered 503 even if a slot has freed meanwhile, instead of
 * being served seconds after it was sent.
 */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
@TestProfile(AdmissionHoldTest.OneInFlightNoQueue.class)
class AdmissionHoldTest {

    public static class OneInFlightNoQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // one request at a time, none waiting, a slot waited for 100 ms at most; a read-your-writes wait holds
            // the slot for up to 5 s
            return Map.of("orders.admission.max-in-flight", "1", "orders.admission.request-deadline", "PT8S",
                    "orders.consistency.max-wait", "PT5S", "orders.admission.queue.size", "0",
                    "orders.admission.queue.max-wait", "PT0.1S");
        }
    }

    @Inject
    ReadModelFixture fixture;
    @Inject
    AdmissionControl admission;

    @Test
    void aRequestHeldPastTheLongestWaitIsRejectedWhenItsWindowEndsThoughASlotHasFreed() {
        UUID customer = UUID.randomUUID();
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        RawHttp.Request get = RawHttp.Request.of("GET", "/orders/" + id)
                .header("Authorization", Tokens.customer(customer));

        try (RawHttp.Connection holder = new RawHttp.Connection(RestAssured.port);
                RawHttp.Connection probe = new RawHttp.Connection(RestAssured.port)) {
            // the only slot, held by a request that waits for a version the read model does not have
            holder.send(get.header("Consistency-Token", id + ":2"));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> admission.inFlight() == 1);

            // a client that ignores Retry-After: rejected at once, then held 50, 100, 200 and 400 ms and rejected
            // again each time (no slot freed), so its next window is 800 ms
            for (int i = 0; i < 5; i++) {
                probe.send(get);
                assertEquals(503, probe.read().status(), "request " + (i + 1) + " while the slot is taken");
            }

            long heldBefore = admission.heldSoFar();
            long sent = System.nanoTime();
            probe.send(get);
            Awaitility.await().pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> admission.heldSoFar() > heldBefore);
            // the holder goes away: its slot is free while the probe's request is still held
            holder.close();
            Awaitility.await().pollInterval(Duration.ofMillis(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> admission.inFlight() == 0);
            long freedAfter = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(freedAfter < 700, "the slot freed " + freedAfter + " ms into the 800 ms hold, too late to tell");

            RawHttp.Reply held = probe.read();
            long answeredAfter = (System.nanoTime() - sent) / 1_000_000;
            assertEquals(503, held.status(), "held past the 100 ms any request waits for a slot: rejected when the "
                    + "window ended, not served " + answeredAfter + " ms after it was sent");
            assertEquals("application/problem+json", held.contentType());
            assertTrue(held.header("retry-after") != null, "a rejection after a hold carries Retry-After");
            assertTrue(answeredAfter >= 750, "answered when its 800 ms window ended, not " + answeredAfter + " ms in");
            assertTrue(Metrics.sum("http_admission_rejected_total", "after=\"hold\"") >= 1);

            // the slot is free: the connection's next request is served at once
            probe.send(get);
            assertEquals(200, probe.read().status());
        }
    }
}
