package dev.orders.projector.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.CatalogEvent;
import dev.orders.events.CatalogEventType;
import dev.orders.events.OrderEvent;
import dev.orders.events.OrderEventType;
import dev.orders.events.OrderIds;
import dev.orders.events.OrderState;
import dev.orders.events.OrderStatus;
import dev.orders.events.Topics;
import dev.orders.projector.invalidation.InvalidationPublisher;
import dev.orders.projector.store.OrderViewStore;
import dev.orders.testing.KafkaClients;
import dev.orders.testing.ReadModel;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;

/** Per-customer summaries, customer renames fanning out to order rows, heartbeat and cache invalidations. */
@QuarkusTest
class CustomerProjectionTest {
    private static final Duration DEADLINE = ReadModel.DEADLINE;

    @Inject
    Pool db;
    @Inject
    ObjectMapper json;
    @Inject
    RedisDataSource redis;
    @Inject
    InvalidationPublisher invalidations;
    @Inject
    OrderViewStore store;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private KafkaProducer<String, String> producer;
    private ReadModel readModel;
    private final UUID customer = UUID.randomUUID();

    @BeforeEach
    void connect() {
        producer = KafkaClients.producer(bootstrap);
        readModel = new ReadModel(db);
    }

    @AfterEach
    void close() {
        producer.close();
    }

    @Test
    void summaryCountsEachOrderOnceAndTotalsFollowCancellationsWhateverIsRedelivered() throws Exception {
        OrderState a1 = order(customer, "Name", OrderStatus.PENDING, 1, 1000);
        OrderState a2 = with(a1, OrderStatus.PAID, 2);
        OrderState b1 = order(customer, "Name", OrderStatus.PENDING, 1, 500);
        send(OrderEventType.OrderCreated, a1);
        send(OrderEventType.OrderPaid, a2);
        send(OrderEventType.OrderCreated, a1); // duplicate
        send(OrderEventType.OrderCreated, b1);
        // Records of one order share a key, hence a partition, hence an order: once a later version sent after the
        // duplicate is in the read model, the duplicate has been applied (or ignored) too.
        send(OrderEventType.OrderShipped, with(a1, OrderStatus.SHIPPED, 3));
        readModel.awaitVersion(a1.id(), 3);
        readModel.awaitVersion(b1.id(), 1);
        readModel.awaitSummary(customer, 2, 1500); // a duplicate counted twice would have left 3 orders / 2,500

        send(OrderEventType.OrderCancelled, with(b1, OrderStatus.CANCELLED, 2));
        send(OrderEventType.OrderCancelled, with(b1, OrderStatus.CANCELLED, 2)); // duplicate
        send(OrderEventType.OrderPaid, a2); // stale redelivery
        send(OrderEventType.OrderCancelled, with(b1, OrderStatus.CANCELLED, 3)); // after the duplicate, same partition
        send(OrderEventType.OrderDelivered, with(a1, OrderStatus.DELIVERED, 4)); // after the stale one, same partition
        readModel.awaitVersion(b1.id(), 3);
        readModel.awaitVersion(a1.id(), 4);
        readModel.awaitSummary(customer, 2, 1000); // b cancelled once; the stale PAID did not bring a back to an earlier state
    }

    @Test
    void renameRewritesTheCustomersOrderRowsAndLaterEventsKeepTheNewName() throws Exception {
        OrderState o = order(customer, "Old Name", OrderStatus.PENDING, 1, 700);
        send(OrderEventType.OrderCreated, o);
        awaitName(o.id(), "Old Name");

        sendCatalog(new CatalogEvent.CustomerState(customer, "New Name", "new@example.com", 2));
        awaitName(o.id(), "New Name");
        // A stale rename and an order event built before the rename must not bring the old name back.
        sendCatalog(new CatalogEvent.CustomerState(customer, "Old Name", "old@example.com", 1));
        send(OrderEventType.OrderPaid, with(o, OrderStatus.PAID, 2));
        Row row = readModel.awaitVersion(o.id(), 2);
        assertEquals("New Name", row.getString("customer_name"));
        assertEquals("new@example.com", row.getString("customer_email"));
    }

    @Test
    void heartbeatIsFresh() {
        Awaitility.await().atMost(DEADLINE).until(() -> db
                .query("SELECT now() - beat_at < interval '3 seconds' AS fresh FROM projector_heartbeat").execute()
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getBoolean("fresh"));
    }

    @Test
    void committedChangesAreAnnouncedWithTheirRevisionsRenamesToo() throws Exception {
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        var subscriber = redis.pubsub(String.class).subscribe(InvalidationPublisher.CHANNEL, messages::add);
        try {
            OrderState o = order(customer, "Name", OrderStatus.PENDING, 1, 100);
            send(OrderEventType.OrderCreated, o);
            long created = readModel.awaitVersion(o.id(), 1).getLong("revision");
            awaitAnnounced(messages, "\"" + o.id() + "\":" + created);

            // A rename rewrites the row without a new order version: a new revision, announced like any change.
            sendCatalog(new CatalogEvent.CustomerState(customer, "Renamed", "renamed@example.com", 2));
            Row renamed = readModel.awaitOrder(o.id(), r -> "Renamed".equals(r.getString("customer_name")));
            assertEquals(1, renamed.getLong("version"));
            assertTrue(renamed.getLong("revision") > created, "revision grew with the rename");
            awaitAnnounced(messages, "\"" + o.id() + "\":" + renamed.getLong("revision"));
        } finally {
            subscriber.unsubscribe();
        }
    }

    @Test
    void aBatchTombstonesEveryChangedOrderItsSharedCacheHoldsNoNewerCopyOfBeforeAnnouncingIt() throws Exception {
        // query-service's entries (RedisOrderStore): "<revision>|<json>", "-" for "not found", "<revision>|" for a
        // tombstone
        OrderState absent = order(customer, "Name", OrderStatus.PENDING, 1, 100);
        OrderState older = order(customer, "Name", OrderStatus.PENDING, 1, 200);
        OrderState ahead = order(customer, "Name", OrderStatus.PENDING, 1, 300);
        OrderState uncached = order(customer, "Name", OrderStatus.PENDING, 1, 400);
        OrderState expiring = order(customer, "Name", OrderStatus.PENDING, 1, 500);
        List<OrderState> all = List.of(absent, older, ahead, uncached, expiring);
        var values = redis.value(String.class);
        values.setex(cacheKey(absent.id()), 60, "-"); // a read before the order was applied
        values.setex(cacheKey(older.id()), 60, "0|{}");
        values.setex(cacheKey(ahead.id()), 60, "999999999999|{}"); // newer than anything this batch announces
        // an older copy about to expire: a refill after it expires must still find the tombstone
        values.psetex(cacheKey(expiring.id()), 1_500, "0|{}");
        var messages = new java.util.concurrent.ConcurrentLinkedQueue<String>(); // one batch may announce several
        var subscriber = redis.pubsub(String.class).subscribe(InvalidationPublisher.CHANNEL, messages::add);
        try {
            for (OrderState o : all) {
                send(OrderEventType.OrderCreated, o);
            }
            // The script replaces, then publishes: once an order is announced, its tombstone is there.
            java.util.Map<UUID, Long> revisions = new java.util.HashMap<>();
            for (OrderState o : all) {
                long revision = readModel.awaitVersion(o.id(), 1).getLong("revision");
                revisions.put(o.id(), revision);
                String announced = "\"" + o.id() + "\":" + revision;
                Awaitility.await().atMost(DEADLINE).until(() -> messages.stream().anyMatch(m -> m.contains(announced)));
            }
            assertEquals("999999999999|{}", values.get(cacheKey(ahead.id())), "a newer copy stays");
            // %test.orders.invalidations.tombstone-ttl=PT45S; the copies above were written for 60 s and 1.5 s
            for (OrderState o : List.of(absent, older, uncached, expiring)) {
                assertEquals(revisions.get(o.id()) + "|", values.get(cacheKey(o.id())),
                        "a tombstone at the announced revision for order " + o.id());
                long ttl = redis.key().pttl(cacheKey(o.id()));
                assertTrue(ttl > 1_500 && ttl <= 45_000,
                        "a tombstone lives orders.invalidations.tombstone-ttl, not what a copy had left: " + ttl);
            }
        } finally {
            subscriber.unsubscribe();
            for (OrderState o : all) {
                redis.key().del(cacheKey(o.id()));
            }
        }
    }

    @Test
    void aBatchCommittedButNeverAnnouncedIsAnnouncedWhenItIsDeliveredAgain() throws Exception {
        OrderState o = order(customer, "Name", OrderStatus.PENDING, 1, 100);
        CatalogEvent.CustomerState renamed = new CatalogEvent.CustomerState(customer, "Renamed", "renamed@example.com",
                2);
        // The first delivery committed, then its projector stopped before announcing: the store alone.
        store.apply(List.of(OrderEvent.of(OrderEventType.OrderCreated, o, o.updatedAt())), List.of())
                .await().atMost(DEADLINE);
        long created = readModel.awaitVersion(o.id(), 1).getLong("revision");
        var values = redis.value(String.class);
        values.setex(cacheKey(o.id()), 60, "0|{}"); // what query-service cached before the batch
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        var subscriber = redis.pubsub(String.class).subscribe(InvalidationPublisher.CHANNEL, messages::add);
        try {
            send(OrderEventType.OrderCreated, o); // delivered again: the version guard changes nothing
            awaitAnnounced(messages, "\"" + o.id() + "\":" + created);
            assertEquals(created + "|", values.get(cacheKey(o.id())), "the older copy is tombstoned");

            store.apply(List.of(), List.of(CatalogEvent.of(CatalogEventType.CustomerUpdated, renamed, Instant.now())))
                    .await().atMost(DEADLINE);
            long afterRename = readModel.awaitOrder(o.id(), r -> "Renamed".equals(r.getString("customer_name")))
                    .getLong("revision");
            sendCatalog(renamed);
            awaitAnnounced(messages, "\"" + o.id() + "\":" + afterRename);
        } finally {
            subscriber.unsubscribe();
            redis.key().del(cacheKey(o.id()));
        }
    }

    @Test
    void aChangeOfMoreOrdersThanOneScriptTakesIsTombstonedAndAnnouncedChunkByChunk() {
        // %test.orders.invalidations.chunk-size=2: five orders are three scripts, the last one of a single order
        java.util.Map<UUID, Long> changed = new java.util.LinkedHashMap<>();
        var values = redis.value(String.class);
        for (int i = 0; i < 5; i++) {
            UUID id = UUID.randomUUID();
            changed.put(id, 10L + i);
            values.setex(cacheKey(id), 60, "1|{}");
        }
        var messages = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        var subscriber = redis.pubsub(String.class).subscribe(InvalidationPublisher.CHANNEL, messages::add);
        try {
            invalidations.publish(new OrderViewStore.Changes(changed, 0))
                    .await().atMost(DEADLINE);
            changed.forEach((id, revision) -> assertEquals(revision + "|", values.get(cacheKey(id)), "order " + id));
            Awaitility.await().atMost(DEADLINE).until(() -> changed.entrySet().stream().allMatch(e -> messages.stream()
                    .anyMatch(m -> m.contains("\"" + e.getKey() + "\":" + e.getValue()))));
            assertEquals(3, messages.stream().filter(m -> changed.keySet().stream().anyMatch(id -> m.contains(id
                    .toString()))).count(), "one announcement per chunk: " + messages);
        } finally {
            subscriber.unsubscribe();
            changed.keySet().forEach(id -> redis.key().del(cacheKey(id)));
        }
    }

    private static String cacheKey(UUID id) {
        return "orders:v1:default:order:" + id;
    }

    private static void awaitAnnounced(BlockingQueue<String> messages, String expected) throws InterruptedException {
        long until = System.nanoTime() + DEADLINE.toNanos();
        boolean seen = false;
        while (!seen && System.nanoTime() < until) {
            String m = messages.poll(200, TimeUnit.MILLISECONDS);
            seen = m != null && m.contains(expected);
        }
        assertTrue(seen, "an invalidation naming " + expected);
    }

    private void awaitName(UUID id, String name) {
        readModel.awaitOrder(id, r -> name.equals(r.getString("customer_name")));
    }

    private void send(OrderEventType type, OrderState s) throws Exception {
        producer.send(new ProducerRecord<>(Topics.ORDER_EVENTS, s.id().toString(),
                json.writeValueAsString(OrderEvent.of(type, s, s.updatedAt())))).get();
    }

    private void sendCatalog(CatalogEvent.CustomerState c) throws Exception {
        CatalogEvent e = CatalogEvent.of(CatalogEventType.CustomerUpdated, c, Instant.now());
        producer.send(new ProducerRecord<>(Topics.CATALOG_EVENTS, c.id().toString(), json.writeValueAsString(e))).get();
    }

    static OrderState order(UUID customer, String name, OrderStatus status, long version, long total) {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return new OrderState(OrderIds.newId(t), customer, name, "old@example.com", status, version, t, t, "EUR", total,
                List.of(new OrderState.OrderLine(UUID.randomUUID(), "Gadget", 1, total)));
    }

    static OrderState with(OrderState s, OrderStatus status, long version) {
        return new OrderState(s.id(), s.customerId(), s.customerName(), s.customerEmail(), status, version,
                s.createdAt(), s.createdAt().plusSeconds(version), s.currency(), s.totalCents(), s.items());
    }
}
