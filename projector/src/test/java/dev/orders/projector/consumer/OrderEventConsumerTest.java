package dev.orders.projector.consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoublePredicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orders.events.OrderEvent;
import dev.orders.events.OrderEventType;
import dev.orders.events.OrderIds;
import dev.orders.events.OrderState;
import dev.orders.events.OrderStatus;
import dev.orders.events.Topics;
import dev.orders.projector.store.OrderViewStore;
import dev.orders.testing.KafkaClients;
import dev.orders.testing.ReadModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;

/** Publishes real records to the real broker and checks what lands in the partitioned read table. */
@QuarkusTest
class OrderEventConsumerTest {
    private static final Duration DEADLINE = ReadModel.DEADLINE;

    @Inject
    Pool db;
    @Inject
    OrderViewStore store;
    @Inject
    ObjectMapper json;
    @Inject
    MeterRegistry registry;
    @Inject
    @Identifier(EventTimeLag.NAME)
    EventTimeLag eventTimeLag;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;
    @ConfigProperty(name = "mp.messaging.incoming.order-events.concurrency", defaultValue = "1")
    int consumers;

    private KafkaProducer<String, String> producer;
    private ReadModel readModel;

    @Test
    void theChannelsDeserializerDecodesEachValueAndKeepsItsExactBytes() throws Exception {
        // as Kafka makes it: no injection point here keeps EventDecoder, so a build that removes it fails this test
        var values = new EventValueDeserializer();
        values.configure(java.util.Map.of(), false);
        OrderState state = order(Instant.now(), OrderStatus.PENDING, 1);
        byte[] good = json.writeValueAsBytes(OrderEvent.of(OrderEventType.OrderCreated, state, state.updatedAt()));
        EventValue decoded = values.deserialize(Topics.ORDER_EVENTS, good);
        assertSame(good, decoded.bytes());
        assertEquals(state.id(), assertInstanceOf(EventDecoder.Decoded.class, decoded.decoded()).event().aggregateId());

        byte[] notUtf8 = { '{', (byte) 0xff, (byte) 0xfe };
        EventValue poison = values.deserialize(Topics.ORDER_EVENTS, notUtf8);
        assertArrayEquals(new byte[] { '{', (byte) 0xff, (byte) 0xfe }, poison.bytes());
        assertTrue(assertInstanceOf(EventDecoder.Poison.class, poison.decoded()).reason().startsWith("undecodable"));
        // the topic picks the schema: an order event on the catalogue topic carries neither customer nor product
        assertInstanceOf(EventDecoder.Poison.class, values.deserialize(Topics.CATALOG_EVENTS, good).decoded());
    }

    @Test
    void aRecordWithoutAValueIsDeadLetteredAsEmpty() {
        // Kafka hands a null value to the consumer without calling the deserializer
        String key = UUID.randomUUID().toString();
        try (KafkaConsumer<String, String> dlq = tail(Topics.ORDER_EVENTS_DLQ)) {
            producer.send(new ProducerRecord<>(Topics.ORDER_EVENTS, key, null));
            ConsumerRecord<String, String> dead = awaitDeadLetter(dlq, key);
            assertEquals("empty record value",
                    new String(dead.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void anEventUnderAnotherOrdersKeyIsDeadLetteredAndNotApplied() throws Exception {
        OrderState state = order(Instant.now(), OrderStatus.PENDING, 1);
        String otherKey = UUID.randomUUID().toString();
        int partition;
        try (KafkaConsumer<String, String> dlq = tail(Topics.ORDER_EVENTS_DLQ)) {
            partition = producer.send(new ProducerRecord<>(Topics.ORDER_EVENTS, otherKey,
                    json.writeValueAsString(OrderEvent.of(OrderEventType.OrderCreated, state, state.updatedAt()))))
                    .get().partition();
            ConsumerRecord<String, String> dead = awaitDeadLetter(dlq, otherKey);
            String reason = new String(dead.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8);
            assertEquals("record key " + otherKey + " is not the aggregate id", reason);
        }
        // a later record of the same partition applied: the one before it was not, and nothing held the partition
        OrderState after = order(Instant.now(), OrderStatus.PENDING, 1);
        publish(OrderEventType.OrderCreated, after, partition);
        readModel.awaitVersion(after.id(), 1);
        assertNull(readModel.order(state.id()), "a record under another order's key was applied");
    }

    @Test
    void eventTimestampsAreReadWithTheContractsCodec() throws Exception {
        assertTrue(dev.orders.events.json.Rfc3339Instants.installedIn(json),
                "jsr310's formatter, not Rfc3339Instants, reads the events' timestamps");
    }

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
    void projectsAnOrderIntoItsMonthlyPartitionWithCustomerFieldsAndItems() throws Exception {
        OrderState created = order(Instant.now(), OrderStatus.PENDING, 1);
        publish(OrderEventType.OrderCreated, created);

        Row row = readModel.awaitVersion(created.id(), 1);
        assertEquals("PENDING", row.getString("status"));
        assertEquals("Ada Lovelace", row.getString("customer_name"));
        assertEquals(created.totalCents(), row.getLong("total_cents"));
        assertEquals(3, row.getInteger("item_count"));
        String month = created.createdAt().toString().substring(0, 7).replace("-", "");
        assertEquals("order_view_p" + month, row.getString("partition"));
        assertTrue(row.getString("items").contains("Widget"));
    }

    @Test
    void appliesOnlyForwardVersionsSoDuplicatesAndStaleEventsChangeNothing() throws Exception {
        Instant t = Instant.now();
        OrderState v1 = order(t, OrderStatus.PENDING, 1);
        OrderState v2 = withStatus(v1, OrderStatus.PAID, 2);
        OrderState v3 = withStatus(v1, OrderStatus.SHIPPED, 3);
        int partition = publish(OrderEventType.OrderCreated, v1);
        publish(OrderEventType.OrderPaid, v2);
        publish(OrderEventType.OrderShipped, v3);
        readModel.awaitVersion(v1.id(), 3);
        double ignoredBefore = registry.counter("projector.events.ignored", "reason", "duplicate-or-stale").count();

        // Redelivery of an old version and a duplicate of the newest: both must be no-ops.
        publish(OrderEventType.OrderPaid, v2);
        publish(OrderEventType.OrderShipped, v3);
        // A marker on the same Kafka partition is applied only after the two above have been handled.
        OrderState marker = order(Instant.now(), OrderStatus.PENDING, 1);
        publish(OrderEventType.OrderCreated, marker, partition);
        readModel.awaitVersion(marker.id(), 1);
        Row row = readModel.awaitVersion(v1.id(), 3);
        assertEquals("SHIPPED", row.getString("status"));
        double ignored = registry.counter("projector.events.ignored", "reason", "duplicate-or-stale").count()
                - ignoredBefore;
        assertTrue(ignored >= 2, "duplicate and stale events are counted as ignored, got " + ignored);
    }

    @Test
    void eventInAMonthWithoutPartitionCreatesItInsteadOfFailing() throws Exception {
        Instant longAgo = Instant.parse("2019-03-15T10:00:00Z").plusMillis((long) (Math.random() * 1000));
        OrderState old = order(longAgo, OrderStatus.DELIVERED, 4);
        publish(OrderEventType.OrderDelivered, old);
        Row row = readModel.awaitVersion(old.id(), 4);
        assertEquals("order_view_p201903", row.getString("partition"));
    }

    @Test
    void poisonRecordGoesToTheDeadLetterTopicWithItsReason() {
        String key = UUID.randomUUID().toString();
        try (KafkaConsumer<String, String> dlq = tail(Topics.ORDER_EVENTS_DLQ)) {
            var poison = new ProducerRecord<>(Topics.ORDER_EVENTS, key, "{not json");
            poison.headers().add("ce_type", "dev.orders.OrderCreated".getBytes(StandardCharsets.UTF_8));
            producer.send(poison);
            AtomicReference<ConsumerRecord<String, String>> found = new AtomicReference<>();
            Awaitility.await().atMost(DEADLINE).until(() -> {
                for (ConsumerRecord<String, String> r : dlq.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found.set(r);
                    }
                }
                return found.get() != null;
            });
            String reason = new String(found.get().headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8);
            assertTrue(reason.startsWith("undecodable"), reason);
            var kept = found.get().headers().lastHeader("ce_type");
            assertEquals("dev.orders.OrderCreated", kept == null ? null : new String(kept.value(),
                    StandardCharsets.UTF_8), "the record's own headers are kept, for the replay");
        }
        // ...and the partition keeps flowing after it.
        OrderState after = order(Instant.now(), OrderStatus.PENDING, 1);
        try {
            publish(OrderEventType.OrderCreated, after);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        readModel.awaitVersion(after.id(), 1);
    }

    @Test
    void aRecordThatFailsInSqlIsDeadLetteredWithTheReasonAndTheRecordsAroundItAreApplied() throws Exception {
        Instant t = Instant.now();
        OrderState before = order(t, OrderStatus.PENDING, 1);
        OrderState base = order(t, OrderStatus.PENDING, 1);
        // Decodes fine, but Postgres refuses a NUL in text: it fails in SQL, on every attempt, while the database is up.
        OrderState poison = new OrderState(base.id(), base.customerId(), "Ada\u0000Lovelace", base.customerEmail(),
                base.status(), 1, base.createdAt(), base.updatedAt(), base.currency(), base.totalCents(), base.items());
        OrderState after = order(t, OrderStatus.PENDING, 1);
        try (KafkaConsumer<String, String> dlq = tail(Topics.ORDER_EVENTS_DLQ)) {
            // One produce request for the three, so that they are likely fetched as one batch that must be split.
            int partitions = producer.partitionsFor(Topics.ORDER_EVENTS).size();
            int partition = Math.floorMod(before.id().hashCode(), partitions);
            var sent = List.of(send(OrderEventType.OrderCreated, before, partition),
                    send(OrderEventType.OrderCreated, poison, partition),
                    send(OrderEventType.OrderCreated, after, partition));
            producer.flush();
            for (var f : sent) {
                f.get();
            }
            ConsumerRecord<String, String> dead = awaitDeadLetter(dlq, poison.id().toString());
            String reason = new String(dead.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8);
            assertTrue(reason.startsWith("apply failed"), reason);
            assertEquals(Integer.toString(partition),
                    new String(dead.headers().lastHeader("dlq-original-partition").value(), StandardCharsets.UTF_8));
        }
        readModel.awaitVersion(before.id(), 1);
        readModel.awaitVersion(after.id(), 1);
        assertNull(readModel.order(poison.id()), "the failing record was not applied");
    }

    @Test
    void anEventDatedOutsideTheAcceptedWindowIsDeadLetteredAndCreatesNoPartition() throws Exception {
        OrderState ancient = order(Instant.parse("1990-06-15T10:00:00Z"), OrderStatus.PENDING, 1);
        try (KafkaConsumer<String, String> dlq = tail(Topics.ORDER_EVENTS_DLQ)) {
            publish(OrderEventType.OrderCreated, ancient);
            ConsumerRecord<String, String> dead = awaitDeadLetter(dlq, ancient.id().toString());
            String reason = new String(dead.headers().lastHeader("dlq-reason").value(), StandardCharsets.UTF_8);
            assertTrue(reason.contains("outside the accepted window"), reason);
        }
        assertTrue(db.query("SELECT to_regclass('order_view_p199006') IS NULL").execute()
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getBoolean(0), "no partition for 1990");
    }

    /**
     * Each consumer applies its own batches: one held up (here by a lock on its customer's summary row) holds up its
     * own partitions only. With the connector's {@code partitions} attribute the consumers' streams were merged into
     * this method, one batch at a time, and a batch waiting on one partition stopped them all.
     */
    @Test
    void aBatchHeldUpOnOneConsumersPartitionsDoesNotHoldUpTheOtherConsumers() throws Exception {
        assertTrue(consumers >= 2, "the projector runs two consumers (channel concurrency), has " + consumers);
        Instant t = Instant.now();
        OrderState held = forCustomer(order(t, OrderStatus.PENDING, 1), UUID.randomUUID());
        List<OrderState> others = new ArrayList<>();
        try (SummaryRowLock lock = lockSummaryRow(held.customerId())) {
            int heldPartition = publish(OrderEventType.OrderCreated, held);
            Awaitility.await("the batch of " + held.id() + " waiting for the lock").atMost(DEADLINE)
                    .until(() -> !applyAttemptsWaitingForALock().isEmpty());
            // An order of a customer of its own on every other Kafka partition: some belong to another consumer.
            int partitions = producer.partitionsFor(Topics.ORDER_EVENTS).size();
            for (int p = 0; p < partitions; p++) {
                if (p != heldPartition) {
                    OrderState other = forCustomer(order(t, OrderStatus.PENDING, 1), UUID.randomUUID());
                    publish(OrderEventType.OrderCreated, other, p);
                    others.add(other);
                }
            }
            // the held batch meanwhile fails on the role's lock_timeout (2 s) and is tried again, never dead-lettered
            Awaitility.await("an order of another consumer applied while " + held.id() + " waits")
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> others.stream().anyMatch(o -> readModel.order(o.id()) != null));
            assertNull(readModel.order(held.id()), "the held order waits for the lock");
        }
        readModel.awaitVersion(held.id(), 1);
        for (OrderState other : others) {
            readModel.awaitVersion(other.id(), 1);
        }
    }

    /**
     * A batch that waits for a lock longer than the role's {@code lock_timeout} (2 s), attempt after attempt, is not
     * the records' fault: it is retried until the lock is free and applied, never split and dead-lettered.
     */
    @Test
    void aBatchThatWaitsForALockPastTheLockTimeoutIsRetriedNotDeadLettered() throws Exception {
        OrderState held = forCustomer(order(Instant.now(), OrderStatus.PENDING, 1), UUID.randomUUID());
        double splitBefore = registry.counter("projector.batches.split").count();
        try (SummaryRowLock lock = lockSummaryRow(held.customerId())) {
            publish(OrderEventType.OrderCreated, held);
            // each attempt is a statement of its own (its query_start): more than apply-attempts (3) of them
            Set<OffsetDateTime> attempts = new HashSet<>();
            Awaitility.await("a fourth attempt at the batch of " + held.id()).atMost(DEADLINE)
                    .until(() -> {
                        attempts.addAll(applyAttemptsWaitingForALock());
                        return attempts.size() > 3;
                    });
        }
        readModel.awaitVersion(held.id(), 1);
        assertEquals(splitBefore, registry.counter("projector.batches.split").count(), "no batch was split");
    }

    /**
     * A partition moved to another consumer while a batch of it was being applied is applied again from its committed
     * offset, at the same time: here batch A (v1) waits for a summary row while batch B (v1 and v2 of the same order,
     * from the same partition) starts. B takes its turn after A, so the customer's summary counts the order once, at
     * v2's total. Before, B read the order's previous image before A committed and counted it as new: 2 orders, twice
     * the total.
     */
    @Test
    void twoBatchesOfOnePartitionAppliedAtOnceCountAnOrderOnceInItsSummary() throws Exception {
        UUID customer = UUID.randomUUID();
        OrderState v1 = forCustomer(order(Instant.now(), OrderStatus.PENDING, 1), customer);
        OrderState v2 = withStatus(v1, OrderStatus.PAID, 2);
        List<String> source = List.of("orders.events.v1-test-" + UUID.randomUUID());
        java.util.concurrent.CompletableFuture<?> a;
        java.util.concurrent.CompletableFuture<?> b;
        try (SummaryRowLock lock = lockSummaryRow(customer)) {
            a = store.apply(List.of(OrderEvent.of(OrderEventType.OrderCreated, v1, v1.updatedAt())), List.of(), source)
                    .subscribeAsCompletionStage();
            // within the role's lock_timeout (2 s): A waits for the summary row, then B for A (or for A's order row)
            Awaitility.await("batch A waiting").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> applyAttemptsWaitingForALock().size() >= 1);
            b = store.apply(List.of(OrderEvent.of(OrderEventType.OrderCreated, v1, v1.updatedAt()),
                    OrderEvent.of(OrderEventType.OrderPaid, v2, v2.updatedAt())), List.of(), source)
                    .subscribeAsCompletionStage();
            Awaitility.await("batch B waiting").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> backendsWaitingForALock() >= 2);
        }
        a.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        b.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        Row summary = readModel.summary(customer);
        assertEquals(1, summary.getLong("order_count"), "the order counted once");
        assertEquals(v2.totalCents(), summary.getLong("lifetime_total_cents"), "its total added once");
        assertEquals("PAID", readModel.awaitVersion(v1.id(), 2).getString("status"));
    }

    /** Batch statements (the upsert, or the turn's advisory locks) now waiting for a lock. */
    private long backendsWaitingForALock() {
        return statementsWaitingForALock("(query LIKE '%apply_orders%' OR query LIKE '%pg_advisory_xact_lock%')").size();
    }

    /**
     * A batch the database refuses for a reason that is not in its records (here the role lost INSERT on order_view,
     * as after a botched grant; a read-only or full database is the same case) is held, its partition waiting, and
     * applied once that is fixed: never split, nor dead-lettered. It was split down to its single records, each of
     * which was dead-lettered while the database answered.
     */
    @Test
    void aBatchRefusedForAReasonNotInItsRecordsIsHeldNotDeadLettered() throws Exception {
        OrderState held = order(Instant.now(), OrderStatus.PENDING, 1);
        double splitBefore = registry.counter("projector.batches.split").count();
        double deadBefore = registry.counter("projector.events.dead_lettered").count();
        var refusals = registry.counter("projector.batches.held", "reason", "refused");
        double refusedBefore = refusals.count();
        execute("REVOKE INSERT ON order_view FROM CURRENT_USER");
        try {
            publish(OrderEventType.OrderCreated, held);
            // two rounds of apply-attempts (3) each, all refused (42501), with the database answering throughout
            Awaitility.await("the batch of " + held.id() + " held twice").atMost(DEADLINE)
                    .until(() -> refusals.count() >= refusedBefore + 2);
            assertNull(readModel.order(held.id()), "not applied while refused");
        } finally {
            execute("GRANT INSERT ON order_view TO CURRENT_USER");
        }
        readModel.awaitVersion(held.id(), 1);
        assertEquals(splitBefore, registry.counter("projector.batches.split").count(), "no batch was split");
        assertEquals(deadBefore, registry.counter("projector.events.dead_lettered").count(), "nothing dead-lettered");
    }

    /**
     * A record to set aside that the dead-letter topic does not take (here the topic takes no record over one byte; a
     * missing topic or a lost ACL is the same case) holds its batch: the record is not dropped, the records behind it
     * wait, and once the topic takes it, it is dead-lettered and the rest applied. Before, the failed send failed the
     * channel, and the consumer stopped until a restart.
     */
    @Test
    void aDeadLetterTheTopicRefusesHoldsThePartitionUntilTheTopicTakesIt() throws Exception {
        OrderState after = order(Instant.now(), OrderStatus.PENDING, 1);
        int partition = Math.floorMod(after.id().hashCode(), producer.partitionsFor(Topics.ORDER_EVENTS).size());
        String key = UUID.randomUUID().toString();
        var refusals = registry.counter("projector.batches.held", "reason", "dead-letter-refused");
        double refusedBefore = refusals.count();
        try (KafkaConsumer<String, String> dlq = tail(Topics.ORDER_EVENTS_DLQ);
                Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            deadLetterTopicMaxMessageBytes(admin, "1");
            try {
                producer.send(new ProducerRecord<>(Topics.ORDER_EVENTS, partition, key, "{not json")).get();
                publish(OrderEventType.OrderCreated, after, partition);
                Awaitility.await("the batch of " + key + " held twice").atMost(DEADLINE)
                        .until(() -> refusals.count() >= refusedBefore + 2);
                assertNull(readModel.order(after.id()), "the record behind the refused one waits");
            } finally {
                deadLetterTopicMaxMessageBytes(admin, null);
            }
            awaitDeadLetter(dlq, key);
        }
        readModel.awaitVersion(after.id(), 1);
    }

    /** Sets the dead-letter topic's {@code max.message.bytes}, or restores the broker's default ({@code null}). */
    private static void deadLetterTopicMaxMessageBytes(Admin admin, String value) throws Exception {
        var topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ORDER_EVENTS_DLQ);
        var entry = new ConfigEntry("max.message.bytes", value);
        var op = new AlterConfigOp(entry, value == null ? AlterConfigOp.OpType.DELETE : AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(topic, List.of(op))).all().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    private void execute(String sql) {
        db.query(sql).execute().await().atMost(Duration.ofSeconds(5));
    }

    /**
     * {@code projector.lag.event_time.seconds} reports the partition furthest behind: a current batch of another
     * partition, committed after it, does not hide it (one value per instance showed the last batch committed), and
     * once every partition is current it falls back.
     */
    @Test
    void theEventTimeLagGaugeShowsThePartitionFurthestBehindNotTheLastBatchCommitted() throws Exception {
        OrderState behind = order(Instant.now().minus(Duration.ofHours(1)), OrderStatus.PENDING, 1);
        int behindPartition = publish(OrderEventType.OrderCreated, behind);
        readModel.awaitVersion(behind.id(), 1);
        int partitions = producer.partitionsFor(Topics.ORDER_EVENTS).size();
        OrderState current = order(Instant.now(), OrderStatus.PENDING, 1);
        publish(OrderEventType.OrderCreated, current, (behindPartition + 1) % partitions);
        readModel.awaitVersion(current.id(), 1);
        // the gauge is set after the batch's commit and its cache invalidations: awaited, not read at once
        awaitEventTimeLag("an hour behind on partition " + behindPartition, s -> s >= 3500);

        List<OrderState> caughtUp = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            OrderState now = order(Instant.now(), OrderStatus.PENDING, 1);
            publish(OrderEventType.OrderCreated, now, p);
            caughtUp.add(now);
        }
        for (OrderState o : caughtUp) {
            readModel.awaitVersion(o.id(), 1);
        }
        awaitEventTimeLag("every partition current", s -> s < 60);

        // a partition behind that moves to another instance is reported there, no longer here, and a batch of it
        // that commits after the move does not bring it back
        TopicPartition moved = new TopicPartition(Topics.ORDER_EVENTS, behindPartition);
        try {
            eventTimeLag.applied(moved, Duration.ofHours(1).toMillis());
            assertTrue(eventTimeLagSeconds() >= 3500, "reported " + eventTimeLagSeconds() + " s");
            eventTimeLag.onPartitionsRevoked(null, List.of(moved));
            assertTrue(eventTimeLagSeconds() < 60, "partition revoked, reported " + eventTimeLagSeconds() + " s");
            eventTimeLag.applied(moved, Duration.ofHours(1).toMillis());
            assertTrue(eventTimeLagSeconds() < 60, "a late batch of a revoked partition, reported "
                    + eventTimeLagSeconds() + " s");
        } finally {
            eventTimeLag.onPartitionsAssigned(null, List.of(moved)); // it is still this instance's partition
        }
    }

    private double eventTimeLagSeconds() {
        return registry.get("projector.lag.event_time.seconds").gauge().value();
    }

    private void awaitEventTimeLag(String what, DoublePredicate expected) {
        Awaitility.await(what + " (projector.lag.event_time.seconds)").atMost(DEADLINE)
                .until(() -> expected.test(eventTimeLagSeconds()));
    }

    /** An uncommitted summary row, rolled back on close: holds any batch that upserts it. */
    private record SummaryRowLock(SqlConnection connection, Transaction tx) implements AutoCloseable {
        @Override
        public void close() {
            try {
                tx.rollback().await().atMost(DEADLINE);
            } finally {
                connection.close().await().atMost(DEADLINE);
            }
        }
    }

    /** Inserts {@code customerId}'s summary row in a transaction left open: the batch that upserts it waits for it. */
    private SummaryRowLock lockSummaryRow(UUID customerId) {
        SqlConnection connection = db.getConnection().await().atMost(DEADLINE);
        SummaryRowLock lock = new SummaryRowLock(connection, connection.begin().await().atMost(DEADLINE));
        try {
            // it stays idle in transaction while the batch waits: longer than the role's 10 s would allow on a slow run
            connection.query("SET LOCAL idle_in_transaction_session_timeout = '60s'").execute()
                    .await().atMost(DEADLINE);
            connection.preparedQuery("INSERT INTO customer_summary (customer_id, order_count, lifetime_total_cents, "
                    + "last_order_at) VALUES ($1, 0, 0, now())").execute(Tuple.of(customerId))
                    .await().atMost(DEADLINE);
            return lock;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** When each batch statement now waiting for a lock started (one per attempt). */
    private List<OffsetDateTime> applyAttemptsWaitingForALock() {
        return statementsWaitingForALock("query LIKE '%apply_orders%'");
    }

    /** When each statement of this database matching {@code which} (SQL) and now waiting for a lock started. */
    private List<OffsetDateTime> statementsWaitingForALock(String which) {
        List<OffsetDateTime> started = new ArrayList<>();
        db.query("SELECT query_start FROM pg_stat_activity WHERE datname = current_database() "
                + "AND wait_event_type = 'Lock' AND " + which).execute().await().atMost(DEADLINE)
                .forEach(r -> started.add(r.getOffsetDateTime(0)));
        return started;
    }

    private static ConsumerRecord<String, String> awaitDeadLetter(KafkaConsumer<String, String> dlq, String key) {
        AtomicReference<ConsumerRecord<String, String>> found = new AtomicReference<>();
        Awaitility.await("dead letter " + key).atMost(DEADLINE).until(() -> {
            for (ConsumerRecord<String, String> r : dlq.poll(Duration.ofMillis(200))) {
                if (key.equals(r.key())) {
                    found.set(r);
                }
            }
            return found.get() != null;
        });
        return found.get();
    }

    private Future<RecordMetadata> send(OrderEventType type, OrderState state, int partition) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.ORDER_EVENTS, partition, state.id().toString(),
                json.writeValueAsString(OrderEvent.of(type, state, state.updatedAt()))));
    }

    private int publish(OrderEventType type, OrderState state) throws Exception {
        return publish(type, state, null);
    }

    /** Sends and waits for the broker's ack; returns the Kafka partition the record landed on. */
    private int publish(OrderEventType type, OrderState state, Integer partition) throws Exception {
        OrderEvent event = OrderEvent.of(type, state, state.updatedAt());
        return producer.send(new ProducerRecord<>(Topics.ORDER_EVENTS, partition, state.id().toString(),
                json.writeValueAsString(event))).get().partition();
    }

    private KafkaConsumer<String, String> tail(String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    static OrderState order(Instant createdAt, OrderStatus status, long version) {
        Instant t = createdAt.truncatedTo(ChronoUnit.MILLIS);
        return new OrderState(OrderIds.newId(t), UUID.fromString("c0000000-0000-4000-8000-000000000001"),
                "Ada Lovelace", "ada@example.com", status, version, t, t.plusSeconds(version - 1), "EUR", 3 * 1250,
                List.of(new OrderState.OrderLine(UUID.randomUUID(), "Widget", 3, 1250)));
    }

    static OrderState forCustomer(OrderState s, UUID customerId) {
        return new OrderState(s.id(), customerId, "Grace Hopper", "grace@example.com", s.status(), s.version(),
                s.createdAt(), s.updatedAt(), s.currency(), s.totalCents(), s.items());
    }

    static OrderState withStatus(OrderState s, OrderStatus status, long version) {
        return new OrderState(s.id(), s.customerId(), s.customerName(), s.customerEmail(), status, version,
                s.createdAt(), s.createdAt().plusSeconds(version), s.currency(), s.totalCents(), s.items());
    }
}
