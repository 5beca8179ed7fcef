package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * The write Postgres SIGKILLed under load: every write is either acknowledged (201) and later readable through the
 * read API, or answered with a 5xx problem within 2 s. None waits longer, none is lost.
 */
class WriteSideFaultsIT {
    static final String ADA = "c0000000-0000-4000-8000-000000000001";
    static final String BODY = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000003\",\"quantity\":1}]}";
    static final int WRITERS = 8;
    static final long DEADLINE_MS = 2000;
    static final String OUTAGES_ENDED = "dependency_outage_ended_total";
    static final String WRITE_POOL = "pool=\"write-database\"";

    record Answer(int status, String contentType, String body, long millis, boolean afterKill) {
    }

    @AfterAll
    static void restoreStack() throws Exception {
        Stack.script(Map.of(), "deploy/local/up"); // whatever happened, leave the normal stack running
    }

    @Test
    void writePostgresKilledUnderLoadLosesNoAcknowledgedWriteAndAnswersFast5xxs() throws Exception {
        String token = Stack.token(ADA);
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean killed = new AtomicBoolean(false);
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        for (int w = 0; w < WRITERS; w++) {
            writers.submit(() -> {
                while (running.get()) {
                    boolean afterKill = killed.get();
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = Stack.HTTP.send(HttpRequest
                                .newBuilder(URI.create(Stack.WRITE_API + "/orders")).timeout(Duration.ofSeconds(20))
                                .header("Authorization", token).header("Content-Type", "application/json")
                                .header("Idempotency-Key", UUID.randomUUID().toString())
                                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        answers.add(new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                                r.body(), (System.nanoTime() - t0) / 1_000_000, afterKill));
                    } catch (Exception e) {
                        answers.add(new Answer(-1, "", e.toString(), (System.nanoTime() - t0) / 1_000_000,
                                afterKill));
                    }
                }
                return null;
            });
        }
        try {
            Awaitility.await("writes flowing").atMost(Duration.ofSeconds(30))
                    .until(() -> answers.stream().filter(a -> a.status() == 201).count() >= 50);
            double outagesEnded = Stack.counter(Stack.WRITE_API, OUTAGES_ENDED, WRITE_POOL);
            ProcessHandle postgres = ProcessHandle.of(Stack.pidOf("postgres-write")).orElseThrow();
            killed.set(true);
            postgres.destroyForcibly(); // SIGKILL the postmaster: no shutdown, crash recovery on restart
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !postgres.isAlive());
            // Load continues against the dead database for a while...
            Awaitility.await("refusals while down").atMost(Duration.ofSeconds(30))
                    .until(() -> answers.stream().filter(a -> a.afterKill() && a.status() != 201).count() >= 100);
            // ...then it comes back (crash recovery), and writes are acknowledged again.
            Stack.script(Map.of(), "deploy/local/up", "--infra", "--no-migrate");
            long back = System.nanoTime();
            long before = answers.stream().filter(a -> a.afterKill() && a.status() == 201).count();
            // PgBouncer retries a failed server after 1 s (server_login_retry; its default refused clients for up to
            // 15 s more: PoolerFailFastIT), then the write breaker's half-open call or the outage's end closes it
            Awaitility.await("writes acknowledged again").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                    .until(() -> answers.stream().filter(a -> a.afterKill() && a.status() == 201).count() > before);
            System.out.println("WriteSideFaultsIT: writes acknowledged again " + (System.nanoTime() - back) / 1_000_000
                    + " ms after Postgres accepted connections");
            Awaitility.await("writes flowing again").atMost(Duration.ofSeconds(30))
                    .until(() -> answers.stream().filter(a -> a.afterKill() && a.status() == 201).count() > before + 20);
            // the service's 1 s check saw the outage end, and reset the write breaker if it was closed (so the
            // outage's failures cannot open it later on healthy writes: OutageMemoryTest)
            Awaitility.await("the write database's check saw the outage end").atMost(Duration.ofSeconds(10))
                    .until(() -> Stack.counter(Stack.WRITE_API, OUTAGES_ENDED, WRITE_POOL) > outagesEnded);
        } finally {
            running.set(false);
            writers.shutdown();
            assertTrue(writers.awaitTermination(30, TimeUnit.SECONDS));
        }

        List<Answer> all = List.copyOf(answers);
        List<Answer> refused = all.stream().filter(a -> a.status() != 201).toList();
        assertTrue(refused.size() >= 100, "the kill was felt: " + refused.size() + " refusals");
        for (Answer a : refused) {
            assertTrue(a.status() >= 500 && a.status() < 600 && a.contentType().startsWith("application/problem+json"),
                    "a write that was not acknowledged got a 5xx problem: " + a);
        }
        for (Answer a : all) {
            assertTrue(a.millis() < DEADLINE_MS, "answered within 2 s: " + a);
        }
        // Every acknowledged write survived the crash and reaches the read API.
        List<String> acknowledged = all.stream().filter(a -> a.status() == 201)
                .map(a -> JsonPath.from(a.body()).getString("id")).toList();
        Awaitility.await("every acknowledged order readable").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    for (String id : acknowledged) {
                        if (Stack.getStatus(Stack.READ_API + "/orders/" + id, token) != 200) {
                            return false;
                        }
                    }
                    return true;
                });
        assertEquals(acknowledged.size(), acknowledged.stream().distinct().count());
    }
}
