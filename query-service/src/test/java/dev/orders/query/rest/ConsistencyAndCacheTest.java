package dev.orders.query.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.query.ReadModelFixture;
import dev.orders.query.ReadSchema;
import dev.orders.testing.Tokens;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Read-your-writes tokens and projector invalidations against both cache layers. */
@QuarkusTest
@QuarkusTestResource(ReadSchema.class)
class ConsistencyAndCacheTest {
    @Inject
    ReadModelFixture fixture;
    @Inject
    RedisDataSource redis;
    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;
    @Inject
    @io.quarkus.cache.CacheName("orders")
    io.quarkus.cache.Cache local;
    @Inject
    dev.orders.query.repository.ReadRouter router;
    @Inject
    dev.orders.query.cache.RedisOrderStore store;
    @Inject
    dev.orders.query.cache.OrderCache cache;
    @Inject
    @io.quarkus.reactive.datasource.ReactiveDataSource("primary")
    io.vertx.mutiny.sqlclient.Pool readPrimary;
    @Inject
    io.vertx.mutiny.sqlclient.Pool replica;
    @Inject
    dev.orders.query.repository.ReplicaHealth health;
    @Inject
    io.smallrye.faulttolerance.api.CircuitBreakerMaintenance breakers;

    private final UUID customer = UUID.randomUUID();

    @Test
    void aTokenAheadOfTheReadModelIs503UntilTheProjectionCatchesUp() {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        given().header("Authorization", Tokens.customer(customer)).header("Consistency-Token", id + ":2")
                .get("/orders/{id}", id)
                .then().statusCode(503).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:not-yet-consistent"));

        fixture.update(id, "PAID", 2); // the projection catches up (read primary first, replica later)
        given().header("Authorization", Tokens.customer(customer)).header("Consistency-Token", id + ":2")
                .get("/orders/{id}", id)
                .then().statusCode(200).body("version", equalTo(2)).body("status", equalTo("PAID"));

        given().header("Authorization", Tokens.customer(customer)).header("Consistency-Token", UUID.randomUUID() + ":2")
                .get("/orders/{id}", id).then().statusCode(400);
    }

    @Test
    void aTokenForAnOrderNotYetProjectedAtAllIs503NotA404() {
        // the write API answered 201 and then 200 for a payment (version 2); the read model has no row yet
        Instant createdAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        UUID id = dev.orders.events.OrderIds.newId(createdAt);
        given().header("Authorization", Tokens.customer(customer)).header("Consistency-Token", id + ":2")
                .get("/orders/{id}", id)
                .then().statusCode(503).header("Retry-After", "1").contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:not-yet-consistent"));
        // without a token an unknown order is what it always was
        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id).then().statusCode(404);

        fixture.insertOrder(id, customer, createdAt, "PAID", 2, "Widget"); // the projection catches up
        given().header("Authorization", Tokens.customer(customer)).header("Consistency-Token", id + ":2")
                .get("/orders/{id}", id).then().statusCode(200).body("version", equalTo(2));
        // and once it exists, another customer's token changes nothing: 404
        given().header("Authorization", Tokens.customer(UUID.randomUUID())).header("Consistency-Token", id + ":2")
                .get("/orders/{id}", id).then().statusCode(404);
    }

    @Test
    void anotherInstanceOrAnExpiredLocalCopyIsServedFromRedis() {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        String first = given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).extract().asString(); // loaded from the replica into both layers
        double hits = registry.counter("orders.cache.hits", "layer", "redis").count();
        local.invalidate(id).await().indefinitely(); // as on another instance, or once the 5 s L1 copy expired
        String second = given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).extract().asString();
        // An entry Redis holds but this service cannot read back is a silent miss (RedisOrderStore.decode): the
        // shared layer and the stale copy would quietly stop working. So: a hit, and the same body.
        org.junit.jupiter.api.Assertions.assertEquals(hits + 1,
                registry.counter("orders.cache.hits", "layer", "redis").count(), "read from Redis, not the database");
        org.junit.jupiter.api.Assertions.assertEquals(first, second);
    }

    @Test
    void anInvalidationMeansTheOlderCachedVersionIsNeverServedAgain() {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        // Cached in both layers at version 1.
        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).body("version", equalTo(1));

        long revision = fixture.update(id, "PAID", 2);
        redis.pubsub(String.class).publish("orders:v1:invalidations",
                "{\"orders\":{\"" + id + "\":" + revision + "}}");

        Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> given()
                .header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).extract().<Integer>path("version") == 2);
        // From now on every read answers version 2, even straight after, whatever layer answers.
        for (int i = 0; i < 20; i++) {
            given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                    .then().statusCode(200).body("version", equalTo(2));
        }
        fixture.awaitVersionOnReplica(id, 2);
        String cached = redis.value(String.class).get("orders:v1:default:order:" + id);
        org.junit.jupiter.api.Assertions.assertTrue(cached == null || cached.startsWith(revision + "|"), cached);
    }

    @Test
    void aCustomerRenameChangesTheEtagAndTheCachedEntryThoughTheVersionStays() {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        String before = given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).body("customerName", equalTo("Test Customer")).extract().header("ETag");

        long revision = fixture.rename(id, "Renamed Customer"); // as the projector applies a customer rename
        redis.pubsub(String.class).publish("orders:v1:invalidations",
                "{\"orders\":{\"" + id + "\":" + revision + "}}");

        Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> "Renamed Customer".equals(given()
                .header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).extract().path("customerName")));
        for (int i = 0; i < 10; i++) {
            given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id).then().statusCode(200)
                    .body("customerName", equalTo("Renamed Customer")).body("version", equalTo(1))
                    .header("ETag", "\"1." + revision + "\"");
        }
        // The client's copy is no longer current: its ETag does not match.
        given().header("Authorization", Tokens.customer(customer)).header("If-None-Match", before)
                .get("/orders/{id}", id).then().statusCode(200);
    }

    @Test
    void aNotFoundLoadedAcrossTheAnnouncementIsNotServedAfterIt() {
        // The visibility race: a GET before the projection finds nothing; the projector applies the order and
        // announces it; a load that read the replica just before the announcement stores its "not found" in both
        // layers just after the invalidation dropped them. Reads must find the order anyway, not a 404 for L1's TTL.
        Instant createdAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        UUID id = dev.orders.events.OrderIds.newId(createdAt);
        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id).then().statusCode(404);

        fixture.insertOrder(id, customer, createdAt, "PENDING", 1, "Widget");
        redis.pubsub(String.class).publish("orders:v1:invalidations",
                "{\"orders\":{\"" + id + "\":" + fixture.revision(id) + "}}");
        Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> given()
                .header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id).statusCode() == 200);

        // the late load's answer lands in both layers
        local.as(io.quarkus.cache.CaffeineCache.class).put(id,
                java.util.concurrent.CompletableFuture.completedFuture(java.util.Optional.empty()));
        redis.value(String.class).set("orders:v1:default:order:" + id, "-");
        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).body("version", equalTo(1));
    }

    @Test
    void theProjectorsTombstoneKeepsAnOlderRefillOutAndGivesAnInstanceWithoutTheAnnouncementItsFloor() {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        var loadedBefore = router.findById(id).await().indefinitely().orElseThrow(); // a refill's read, revision 1
        long revision = fixture.update(id, "PAID", 2);
        String key = "orders:v1:default:order:" + id;
        var values = redis.value(String.class);
        // What the projector leaves when it announces the revision (InvalidationPublisher), here never announced to
        // this instance: as for one started after the announcement.
        values.psetex(key, 60_000, revision + "|");
        // what an instance waiting for another's refill reads: no order, but the floor
        var seen = store.get(id).await().indefinitely().orElseThrow();
        org.junit.jupiter.api.Assertions.assertTrue(seen.tombstone() && seen.revision() == revision, seen.toString());

        // the refill's older copy and a "not found" land after the tombstone: refused
        store.putIfNewerAndUnlock(cache.entry(loadedBefore)).await().indefinitely();
        store.putAbsentAndUnlock(id).await().indefinitely();
        org.junit.jupiter.api.Assertions.assertEquals(revision + "|", values.get(key));

        org.junit.jupiter.api.Assertions.assertEquals(0, router.floor(id), "no announcement reached this instance");
        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).body("version", equalTo(2));
        org.junit.jupiter.api.Assertions.assertEquals(revision, router.floor(id), "the tombstone's revision is its floor");
        String cached = values.get(key);
        org.junit.jupiter.api.Assertions.assertTrue(cached.startsWith(revision + "|{"),
                "the reader replaced the tombstone with what it loaded: " + cached);
    }

    @Test
    void anEntryThisInstanceCannotReadIsRefilledAndReplaced() {
        // Another release's format or a corrupt value, at the order's own revision: it must not read as another
        // instance's refill in progress (every reader would wait for it, then load without storing, until the TTL).
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        long revision = fixture.revision(id);
        String key = "orders:v1:default:order:" + id;
        var values = redis.value(String.class);
        values.psetex(key, 60_000, revision + "|{\"id\":\"" + id + "\",\"status\":\"SOMEDAY\"");
        double waits = registry.counter("orders.cache.misses", "layer", "redis").count();

        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id)
                .then().statusCode(200).body("version", equalTo(1)).body("status", equalTo("PENDING"));

        org.junit.jupiter.api.Assertions.assertEquals(waits + 1,
                registry.counter("orders.cache.misses", "layer", "redis").count(), "read as a miss");
        String cached = values.get(key);
        org.junit.jupiter.api.Assertions.assertTrue(cached.startsWith(revision + "|{") && cached.contains("PENDING"),
                "replaced by what the read loaded: " + cached);
        org.junit.jupiter.api.Assertions.assertNull(values.get("orders:v1:default:lock:order:" + id),
                "no refill lock left behind");
    }

    /**
     * Requests for one order share this instance's in-process load, which runs under the deadline of the request
     * that started it. When that deadline passes, a request that joined later and still has time must not get the
     * first one's 503: it loads for itself.
     */
    @Test
    void aRequestThatJoinedAnotherOnesLoadIsNotFailedByThatOnesDeadline() throws Exception {
        UUID id = fixture.insertOrder(customer, Instant.now(), "PENDING", 1);
        fixture.awaitOnReplica(id);
        // the read goes to the replica first (its 800 ms timeout, then the primary until the 1 s request deadline)
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(health::usable);
        breakers.resetAll();
        // Every read of order_view blocks while the read primary holds this lock, on the replica too (a streaming
        // standby replays an ACCESS EXCLUSIVE lock): the first request's load outlives its 1 s deadline.
        var connection = readPrimary.getConnectionAndAwait();
        var tx = connection.beginAndAwait();
        try {
            connection.query("LOCK TABLE order_view IN ACCESS EXCLUSIVE MODE").executeAndAwait();
            // The lock's WAL record sits in a partly filled page that nothing flushes until some transaction commits:
            // each look commits one (an xid of its own), whose flush carries the lock record to the standby.
            // (within 5 s: the locking transaction idles meanwhile, and the role ends one idle for 10 s)
            Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> {
                readPrimary.query("SELECT txid_current()").executeAndAwait();
                return replica.query("SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock'"
                        + " AND relation = 'order_view'::regclass").executeAndAwait().iterator().next().getLong(0) > 0;
            });
            var executor = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                long sentFirst = System.nanoTime();
                var first = executor.submit(() -> given().header("Authorization", Tokens.customer(customer))
                        .get("/orders/{id}", id).then().extract().response());
                // The second request arrives 400 ms later, while the first one's load is still in progress, and joins
                // it: its own deadline passes 400 ms after the first one's.
                var l1 = local.as(io.quarkus.cache.CaffeineCache.class);
                Awaitility.await().atMost(java.time.Duration.ofSeconds(1)).until(() -> l1.keySet().contains(id)
                        && System.nanoTime() - sentFirst >= 400_000_000L);
                var second = executor.submit(() -> given().header("Authorization", Tokens.customer(customer))
                        .get("/orders/{id}", id).then().extract().response());

                var firstAnswer = first.get(5, java.util.concurrent.TimeUnit.SECONDS);
                org.junit.jupiter.api.Assertions.assertEquals(503, firstAnswer.statusCode(), firstAnswer::asString);
                tx.commitAndAwait(); // the databases answer again, within the second request's deadline
                var secondAnswer = second.get(5, java.util.concurrent.TimeUnit.SECONDS);
                org.junit.jupiter.api.Assertions.assertEquals(200, secondAnswer.statusCode(), secondAnswer::asString);
                org.junit.jupiter.api.Assertions.assertEquals(id.toString(), secondAnswer.path("id"));
            } finally {
                executor.shutdownNow();
            }
        } finally {
            if (tx != null) {
                tx.rollbackAndForget();
            }
            connection.closeAndForget();
        }
    }

    @Test
    void unknownOrdersAreNegativelyCachedBriefly() {
        UUID id = dev.orders.events.OrderIds.newId();
        given().header("Authorization", Tokens.customer(customer)).get("/orders/{id}", id).then().statusCode(404);
        org.junit.jupiter.api.Assertions.assertEquals("-", redis.value(String.class).get("orders:v1:default:order:" + id));
    }
}
