package dev.orders.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;

import io.restassured.path.json.JsonPath;

/**
 * The read side under faults, on the real stack: Redis down, replica down, replica replay paused, databases
 * unresponsive; read-your-writes through the whole pipeline; exact rate limits across two instances.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadSideFaultsIT {
    static final String ADA = "c0000000-0000-4000-8000-000000000001";
    static final String BODY = "{\"items\":[{\"productId\":\"a0000000-0000-4000-8000-000000000006\",\"quantity\":1}]}";
    static String token;
    static List<Process> extra = new ArrayList<>();

    @BeforeAll
    static void token() throws Exception {
        token = Stack.token(ADA);
    }

    /** Each drill starts from a healthy stack (the previous one may have stopped a component). */
    @BeforeEach
    void healthy() throws Exception {
        Stack.script(Map.of(), "deploy/local/up");
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> Stack.getStatus(Stack.management(Stack.READ_API) + "/q/health/ready", "") == 200);
    }

    @AfterAll
    static void restore() throws Exception {
        extra.forEach(Process::destroy);
        try {
            Stack.bouncerAdmin("RESUME");
        } catch (AssertionError notPaused) {
            // nothing was paused
        }
        Stack.script(Map.of(), "deploy/local/up");
    }

    private static UUID create() throws Exception {
        HttpResponse<String> r = Stack.post(Stack.WRITE_API + "/orders", token, BODY);
        assertEquals(201, r.statusCode(), r.body());
        return UUID.fromString(JsonPath.from(r.body()).getString("id"));
    }

    private static HttpResponse<String> read(UUID id, String... headers) throws Exception {
        return Stack.get(Stack.READ_API + "/orders/" + id, token, headers);
    }

    private static void awaitVisible(UUID id) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> read(id).statusCode() == 200);
    }

    @Test
    @Order(1)
    void readYourWritesNeverReturnsThePreWriteState() throws Exception {
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> created = Stack.post(Stack.WRITE_API + "/orders", token, BODY);
            String t1 = created.headers().firstValue("Consistency-Token").orElseThrow();
            UUID id = UUID.fromString(JsonPath.from(created.body()).getString("id"));
            assertFresh(read(id, "Consistency-Token", t1), 1);

            HttpResponse<String> paid = Stack.post(Stack.WRITE_API + "/orders/" + id + "/pay", token, "");
            assertEquals(200, paid.statusCode(), paid.body());
            String t2 = paid.headers().firstValue("Consistency-Token").orElseThrow();
            assertFresh(read(id, "Consistency-Token", t2), 2);
        }
    }

    /** 200 with at least the version, or a clear 503 with Retry-After; never an older version. */
    private static void assertFresh(HttpResponse<String> r, long version) {
        if (r.statusCode() == 503) {
            assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 carries Retry-After");
            return;
        }
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(JsonPath.from(r.body()).getLong("version") >= version, r.body());
    }

    @Test
    @Order(6)
    void redisDownReadsStillAnswerFromTheDatabase() throws Exception {
        UUID id = create();
        awaitVisible(id);
        Stack.signal("redis", "TERM");
        try {
            UUID fresh = create(); // never cached anywhere: must come from the database
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> read(fresh).statusCode() == 200);
            HttpResponse<String> r = read(id);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("RateLimit-Limit").isPresent(), "limits still applied (in-process)");
            assertEquals(200, Stack.get(Stack.READ_API + "/orders?limit=5", token).statusCode());
        } finally {
            Stack.script(Map.of(), "deploy/local/up", "--infra");
        }
    }

    @Test
    @Order(5)
    void replicaDownReadsAreServedByTheReadPrimary() throws Exception {
        Stack.signal("postgres-replica", "INT"); // fast shutdown
        try {
            UUID id = create();
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> read(id).statusCode() == 200);
            assertEquals(200, Stack.get(Stack.READ_API + "/orders?limit=5", token).statusCode());
            // the routing decision is visible: reads counted as sent to the primary, and the replica marked unusable
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> {
                String metrics = Stack.HTTP.send(HttpRequest.newBuilder(URI.create(Stack.management(Stack.READ_API) + "/q/metrics"))
                        .header("Accept", Stack.PROMETHEUS_TEXT).build(), HttpResponse.BodyHandlers.ofString()).body();
                return metrics.contains("replica_usable 0.0") && metrics.lines()
                        .anyMatch(l -> l.startsWith("reads_routed_total") && l.contains("target=\"primary\"")
                                && !l.endsWith(" 0.0"));
            });
        } finally {
            Stack.script(Map.of(), "deploy/local/up", "--infra");
        }
    }

    @Test
    @Order(2)
    void pausedReplayNeverYieldsAVersionOlderThanTheLastInvalidation() throws Exception {
        UUID id = create();
        awaitVisible(id);
        assertEquals(200, read(id).statusCode()); // cached at version 1
        try (Connection replica = Stack.replica(); var st = replica.createStatement()) {
            st.execute("SELECT pg_wal_replay_pause()");
            try {
                assertEquals(200, Stack.post(Stack.WRITE_API + "/orders/" + id + "/pay", token, "").statusCode());
                // once the projector has committed version 2 (and announced it), no read may answer version 1
                Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                        .until(() -> JsonPath.from(read(id).body()).getLong("version") == 2);
                for (int i = 0; i < 20; i++) {
                    assertEquals(2, JsonPath.from(read(id).body()).getLong("version"));
                }
            } finally {
                st.execute("SELECT pg_wal_replay_resume()");
            }
            for (int i = 0; i < 20; i++) {
                assertEquals(2, JsonPath.from(read(id).body()).getLong("version"));
            }
        }
    }

    @Test
    @Order(7)
    void bothReadDatabasesDownAnswerFast503sNot500s() throws Exception {
        Stack.signal("postgres-replica", "INT");
        Stack.signal("postgres-read", "INT");
        String customer = ADA;
        for (String path : List.of("/orders?limit=5", "/orders/search?q=keyboard&customerId=" + customer,
                "/customers/" + customer + "/summary")) {
            for (int i = 0; i < 5; i++) { // the first calls meet the lost connections, later ones the open breakers
                long start = System.nanoTime();
                HttpResponse<String> r = Stack.get(Stack.READ_API + path, token);
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertEquals(503, r.statusCode(), path + ": " + r.body());
                assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), path + ": Retry-After");
                assertTrue(ms < 2000, path + " answered in " + ms + " ms");
            }
        }
    }

    /**
     * An outage too short to open the replica's breakers leaves its failures in their windows (SmallRye FT counts the
     * last 20 calls, not the last seconds), and they would open a breaker on the replica's first reads once it is back:
     * a CI run answered 503 that way, 40 s after the read databases came back. When the health check sees the replica
     * answer again after missing, its closed breakers start from an empty window (OutageMemoryTest shows what that
     * does to a breaker; this drill shows the check doing it on the real stack).
     */
    @Test
    @Order(8)
    void aReplicaBackFromAnOutageForgetsItsFailuresAndIsNotCutOffByThem() throws Exception {
        String page = "method=\"dev.orders.query.repository.ReplicaReads.page\"";
        String ended = "dependency_outage_ended_total";
        // reads go to the replica (after the previous drill it may still be skipped, catching up)
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> Stack.counter(Stack.READ_API, "replica_usable") == 1.0);
        assertEquals(200, Stack.get(Stack.READ_API + "/orders?limit=5", token).statusCode()); // registers the breaker
        double failedBefore = Stack.counter(Stack.READ_API, "ft_circuitbreaker_calls_total", page,
                "circuitBreakerResult=\"failure\"");
        double endedBefore = Stack.counter(Stack.READ_API, ended, "pool=\"replica\"");
        Stack.signal("postgres-replica", "INT");
        // page reads at once, before the health check skips the replica (three missed checks): failures in the
        // breaker's window, each read answered from the read primary (or a 503 if the replica's timeout left too
        // little of the request's deadline for it)
        List<CompletableFuture<HttpResponse<String>>> during = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            during.add(Stack.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(Stack.READ_API + "/orders?limit=5"))
                    .header("Authorization", token).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        during.forEach(r -> assertTrue(List.of(200, 503).contains(r.join().statusCode()), r.join().body()));
        assertTrue(Stack.counter(Stack.READ_API, "ft_circuitbreaker_calls_total", page,
                "circuitBreakerResult=\"failure\"") > failedBefore, "the outage left failures in the page breaker");
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> Stack.counter(Stack.READ_API, "replica_usable") == 0.0);

        Stack.script(Map.of(), "deploy/local/up", "--infra");
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> Stack.counter(Stack.READ_API, "replica_usable") == 1.0);
        assertTrue(Stack.counter(Stack.READ_API, ended, "pool=\"replica\"") > endedBefore,
                "the health check saw the outage end (and reset the replica's closed breakers)");
        assertEquals(1.0, Stack.counter(Stack.READ_API, "ft_circuitbreaker_state_current", page,
                "state=\"closed\""), "the page breaker is closed");
        double opened = Stack.counter(Stack.READ_API, "ft_circuitbreaker_opened_total", page);
        double fellBack = Stack.counter(Stack.READ_API, "reads_routed_total", "reason=\"replica-failed\"");
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = Stack.get(Stack.READ_API + "/orders?limit=5", token);
            assertEquals(200, r.statusCode(), r.body());
        }
        assertEquals(opened, Stack.counter(Stack.READ_API, "ft_circuitbreaker_opened_total", page),
                "the replica's page breaker opened after the replica was back");
        assertEquals(fellBack, Stack.counter(Stack.READ_API, "reads_routed_total", "reason=\"replica-failed\""),
                "reads fell back to the primary after the replica was back");
    }

    @Test
    @Order(4)
    void unresponsiveDatabasesServeTheLastCachedValueMarkedStaleWithoutHanging() throws Exception {
        UUID id = create();
        awaitVisible(id);
        assertEquals(200, read(id).statusCode()); // cached (with its long-lived stale copy)
        Stack.bouncerAdmin("PAUSE orders_read_replica");
        Stack.bouncerAdmin("PAUSE orders_read");
        try {
            // Drop the regular cache entry so the read must try the databases.
            try (var redis = new java.net.Socket("127.0.0.1", Integer.parseInt(Stack.env("REDIS_PORT", "16379")))) {
                redis.getOutputStream().write(("DEL orders:v1:default:order:" + id + "\r\n").getBytes());
                redis.getInputStream().read();
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                long start = System.nanoTime();
                HttpResponse<String> r = read(id);
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ms < 8000, "answered within the fault-tolerance timeouts, took " + ms + " ms");
                return r.statusCode() == 200 && r.headers().firstValue("X-Served-Stale").isPresent();
            });
        } finally {
            Stack.bouncerAdmin("RESUME orders_read");
            Stack.bouncerAdmin("RESUME orders_read_replica");
        }
    }

    @Test
    @Order(3)
    void rateLimitIsExactAcrossTwoInstances() throws Exception {
        int limit = 30;
        List<String> bases = List.of("http://127.0.0.1:8095", "http://127.0.0.1:8096");
        for (String base : bases) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-Dorders.rate-limit.classes.read.limit=" + limit,
                    // the burst below (50 concurrent per instance) measures the limiter, not admission control
                    "-Dorders.admission.max-in-flight=256", "-jar", Stack.REPO.resolve("query-service/target/quarkus-app/quarkus-run.jar").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(Stack.STATE.resolve("logs/query-service-" + URI.create(base).getPort() + ".log").toFile());
            pb.environment().put("QUARKUS_HTTP_PORT", URI.create(base).getPort() + "");
            pb.environment().put("QUARKUS_MANAGEMENT_PORT", URI.create(Stack.management(base)).getPort() + "");
            pb.environment().put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", Stack.STATE.resolve("jwt/publicKey.pem").toString());
            pb.environment().putAll(Stack.serviceSecrets());
            extra.add(pb.start());
        }
        for (String base : bases) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> Stack.getStatus(Stack.management(base) + "/q/health/ready", "") == 200);
        }
        // Warm the fresh JVMs up (JIT, connection pools, the tracer's first spans) with other principals and the
        // burst's concurrency, so the burst below measures the limiter rather than a cold start that pushes requests
        // past their deadline (503) or Redis calls past their timeout into the local fallback. 25 sequential requests
        // were not enough once every request was traced: a CI run had one 503 in the burst.
        for (String base : bases) {
            for (int round = 0; round < 10; round++) {
                String warm = Stack.token(UUID.randomUUID().toString());
                List<CompletableFuture<HttpResponse<String>>> warming = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    warming.add(Stack.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base + "/orders?limit=1"))
                            .header("Authorization", warm).build(), HttpResponse.BodyHandlers.ofString()));
                }
                warming.forEach(CompletableFuture::join); // any status: 200, 429 or a cold 503 all warm the path
            }
        }
        String caller = Stack.token(UUID.randomUUID().toString());
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(Stack.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(bases.get(i % 2) + "/orders?limit=1"))
                    .header("Authorization", caller).build(), HttpResponse.BodyHandlers.ofString()));
        }
        long ok = 0;
        long limited = 0;
        for (var c : calls) {
            HttpResponse<String> r = c.join();
            assertTrue(r.headers().firstValue("RateLimit-Limit").isPresent());
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(429, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
                limited++;
            }
        }
        assertEquals(limit, ok, "exactly the limit admitted across both instances");
        assertEquals(100 - limit, limited);
        assertEquals(200, Stack.getStatus(bases.get(0) + "/orders?limit=1", Stack.token(UUID.randomUUID().toString())),
                "another principal is unaffected");
    }
}
