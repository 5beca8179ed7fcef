package dev.orders.projector.consumer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.Set;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.orders.events.CatalogEvent;
import dev.orders.events.OrderEvent;
import dev.orders.projector.ProjectorConfig;
import dev.orders.projector.invalidation.InvalidationPublisher;
import dev.orders.projector.store.OrderViewStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Consumes order events in batches and applies each batch to the read model in one transaction. The returned
 * {@link Uni} completes only after the commit, and only then are the batch's offsets acknowledged: at-least-once,
 * made exact by the version guard in {@link OrderViewStore}.
 *
 * <p>Nothing in a record can stop the projector:
 * <ul>
 * <li>a record that cannot be decoded, or names a date outside the accepted window, goes to the dead-letter topic
 * with the reason in a header, before the batch is applied;</li>
 * <li>a batch that fails is tried {@code orders.projector.apply-attempts} times; if it still fails while the database
 * answers, the failure is the data's: the batch is split in halves, applied half by half in order, down to the
 * records that fail on their own, which are dead-lettered with the database's reason; the rest is applied;</li>
 * <li>a database that does not answer, and a batch that fails for a reason that is not in its records (it waited too
 * long for a lock or lost a deadlock; the database is read-only, full, or refuses the role a table: see
 * {@link #notTheRecords}), and a dead-letter topic that does not take a record, are waited for, holding the partition
 * (nothing is dead-lettered for them, and no record is dropped), for up to {@code orders.projector.retry-for}; then
 * the channel fails and readiness reports DOWN.</li>
 * </ul>
 * {@code deploy/local/replay-dead-letters} sends dead-lettered records back once their cause is fixed.
 */
@ApplicationScoped
public class OrderEventConsumer {
    private static final Logger LOG = Logger.getLogger(OrderEventConsumer.class);
    private static final int MAX_REASON = 500;
    /** The prefix of the headers a dead letter gets (and a replay drops). */
    private static final String DLQ_HEADER = "dlq-";
    private static final Set<String> TRACE_HEADERS = Set.of("traceparent", "tracestate", "baggage");

    /** One decoded record: an order event or a catalogue event, with the record it came from. */
    private record Item(ConsumerRecord<String, EventValue> record, OrderEvent event, CatalogEvent catalog) {
    }

    private final OrderViewStore store;
    private final MutinyEmitter<byte[]> deadLetters;
    private final int applyAttempts;
    private final Duration retryFor;
    private final Counter applied;
    private final Counter ignored;
    private final Counter deadLettered;
    private final Counter isolations;
    private final Counter heldRefused;
    private final Counter heldNoAnswer;
    private final Counter heldDeadLetterRefused;
    private final Timer applyTimer;
    private final Timer eventLag;
    private final DistributionSummary batchSize;
    private final InvalidationPublisher invalidations;
    private final EventTimeLag eventTimeLag;
    private final ApplySpans spans;

    public OrderEventConsumer(OrderViewStore store, InvalidationPublisher invalidations,
            @Channel("order-events-dlq") MutinyEmitter<byte[]> deadLetters,
            ProjectorConfig config, MeterRegistry registry, ApplySpans spans,
            @Identifier(EventTimeLag.NAME) EventTimeLag eventTimeLag) {
        this.store = store;
        this.eventTimeLag = eventTimeLag;
        this.spans = spans;
        this.invalidations = invalidations;
        this.batchSize = DistributionSummary.builder("projector.batch.size").publishPercentiles(0.5, 0.99)
                .register(registry);
        this.deadLetters = deadLetters;
        this.applyAttempts = Math.max(1, config.applyAttempts());
        this.retryFor = config.retryFor();
        this.applied = registry.counter("projector.events.applied");
        this.ignored = registry.counter("projector.events.ignored", "reason", "duplicate-or-stale");
        this.deadLettered = registry.counter("projector.events.dead_lettered");
        this.isolations = registry.counter("projector.batches.split");
        // each round of attempts that ended with the batch held, its partition waiting (alert when it keeps growing)
        this.heldRefused = registry.counter("projector.batches.held", "reason", "refused");
        this.heldNoAnswer = registry.counter("projector.batches.held", "reason", "no-answer");
        this.heldDeadLetterRefused = registry.counter("projector.batches.held", "reason", "dead-letter-refused");
        this.applyTimer = Timer.builder("projector.batch.apply").publishPercentiles(0.5, 0.95, 0.99)
                .register(registry);
        this.eventLag = Timer.builder("projector.event.lag")
                .description("from the write-side commit (occurredAt) to the read-model commit, per event")
                .publishPercentiles(0.5, 0.95, 0.99).register(registry);
    }

    @Incoming("order-events")
    public Uni<Void> consume(ConsumerRecords<String, EventValue> records) {
        List<Item> items = new ArrayList<>(records.count());
        // the records to dead-letter before the batch is applied; each leaves the queue once the topic took it, so a
        // retry of the batch sends only the rest (taken off on the thread that completed the send: a concurrent queue)
        Queue<Poison> poison = new ConcurrentLinkedQueue<>();
        for (ConsumerRecord<String, EventValue> r : records) {
            // decoded in the poll (EventValueDeserializer); Kafka skips the deserializer for a null value, which no
            // relay sends
            var result = r.value() == null ? new EventDecoder.Poison("empty record value")
                    : EventDecoder.keyed(r.key(), r.value().decoded());
            switch (result) {
                case EventDecoder.Decoded d -> items.add(new Item(r, d.event(), null));
                case EventDecoder.DecodedCatalog d -> items.add(new Item(r, null, d.event()));
                case EventDecoder.Poison p -> poison.add(new Poison(r, p.reason()));
            }
        }
        batchSize.record(records.count());
        return Uni.createFrom().deferred(() -> deadLetterAll(poison)).chain(() -> applyOrIsolate(items))
                .onFailure().invoke(e -> held(e, records.count()))
                .onFailure().retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(5))
                .expireIn(retryFor.toMillis());
    }

    /** One undecodable record and why. */
    private record Poison(ConsumerRecord<String, EventValue> record, String reason) {
    }

    /** Dead-letters the queued records in order, each taken off the queue once the topic has it. */
    private Uni<Void> deadLetterAll(Queue<Poison> poison) {
        return poison.isEmpty() ? Uni.createFrom().voidItem()
                : Multi.createFrom().iterable(List.copyOf(poison))
                        .onItem().transformToUniAndConcatenate(p -> deadLetter(p.record(), p.reason())
                                .invoke(() -> poison.remove(p)))
                        .collect().last().replaceWithVoid();
    }

    private void held(Throwable e, int events) {
        String why;
        if (e instanceof DeadLetterRefused) {
            heldDeadLetterRefused.increment();
            why = "the dead-letter topic refuses a record";
        } else if (notTheRecords(e)) {
            heldRefused.increment();
            why = "the read database refuses the batch for a reason not in its records";
        } else {
            heldNoAnswer.increment();
            why = "the read database does not answer";
        }
        LOG.warnf("%s; holding %d events: %s", why, events, e.toString());
    }

    /**
     * The dead-letter topic did not take a record (it is missing, refuses the producer, or takes no record this
     * large). The record is not dropped: its batch is held like one the database cannot take, and tried again.
     */
    static final class DeadLetterRefused extends RuntimeException {
        DeadLetterRefused(Throwable cause) {
            super("dead-letter topic refused the record: " + cause, cause);
        }
    }

    /**
     * Applies the items, retrying a few times; if they keep failing while the database answers, finds and
     * dead-letters the records that fail on their own. Fails only when the database does not answer.
     */
    private Uni<Void> applyOrIsolate(List<Item> items) {
        Uni<Void> attempts = applyAttempts == 1 ? apply(items)
                : apply(items).onFailure().retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(1))
                        .atMost(applyAttempts - 1);
        return attempts.onFailure().recoverWithUni(e -> notTheRecords(e) ? Uni.createFrom().failure(e)
                : store.databaseAnswers().chain(up -> {
                    if (!up) {
                        return Uni.createFrom().failure(e);
                    }
                    LOG.warnf("a batch of %d events fails while the database answers (%s): isolating the records "
                            + "that fail", items.size(), e.toString());
                    isolations.increment();
                    return isolate(items, e);
                }));
    }

    /** Applies the two halves in order, each on its own; a single record that still fails is dead-lettered. */
    private Uni<Void> isolate(List<Item> items, Throwable failure) {
        if (notTheRecords(failure)) {
            // not the records' fault: the whole batch is retried (consume's back-off), nothing is dead-lettered
            return Uni.createFrom().failure(failure);
        }
        if (items.size() == 1) {
            // Checked again: the database may have gone away since, and then the record is not to blame.
            return store.databaseAnswers().chain(up -> up
                    ? deadLetter(items.get(0).record(), "apply failed: " + failure)
                    : Uni.createFrom().failure(failure));
        }
        List<Item> first = items.subList(0, items.size() / 2);
        List<Item> second = items.subList(items.size() / 2, items.size());
        return apply(first).onFailure().recoverWithUni(e -> isolate(first, e))
                .chain(() -> apply(second).onFailure().recoverWithUni(e -> isolate(second, e)));
    }

    /**
     * One transaction for the items; then invalidations and metrics for what it changed. Deferred: each retry of the
     * returned Uni times (and traces) its own attempt.
     */
    private Uni<Void> apply(List<Item> items) {
        return Uni.createFrom().deferred(() -> applyOnce(items));
    }

    private Uni<Void> applyOnce(List<Item> items) {
        List<OrderEvent> events = items.stream().map(Item::event).filter(Objects::nonNull).toList();
        List<CatalogEvent> catalog = items.stream().map(Item::catalog).filter(Objects::nonNull).toList();
        long start = System.nanoTime();
        var applySpans = spans.start(items.stream().map(Item::record).toList());
        List<String> sources = items.stream().map(i -> i.record().topic() + "-" + i.record().partition())
                .distinct().toList();
        return store.apply(events, catalog, sources)
                .call(changes -> invalidations.publish(changes))
                .invoke(changes -> {
                    applyTimer.record(Duration.ofNanos(System.nanoTime() - start));
                    int appliedOrders = (int) events.stream().map(OrderEvent::aggregateId).distinct()
                            .filter(changes.orders()::containsKey).count();
                    applied.increment(appliedOrders + changes.customers());
                    ignored.increment(events.size() + catalog.size() - appliedOrders - changes.customers());
                    long now = System.currentTimeMillis();
                    events.forEach(e -> eventLag.record(
                            Duration.ofMillis(Math.max(0, now - e.occurredAt().toEpochMilli()))));
                    newestPerPartition(items).forEach((p, t) -> eventTimeLag.applied(p, now - t.toEpochMilli()));
                })
                .onTermination().invoke((changes, failure, cancelled) -> ApplySpans.end(applySpans, failure))
                .replaceWithVoid();
    }

    /** The newest order event's time per Kafka partition among {@code items}. */
    private static Map<TopicPartition, Instant> newestPerPartition(List<Item> items) {
        return items.stream().filter(i -> i.event() != null).collect(Collectors.toMap(
                i -> new TopicPartition(i.record().topic(), i.record().partition()), i -> i.event().occurredAt(),
                (a, b) -> a.isAfter(b) ? a : b));
    }

    /**
     * A failure that says nothing about the records, by its SQLSTATE class: the batch waited longer than the role's
     * {@code lock_timeout} (55P03: a batch with customer changes waits for the other consumers' batches to finish, and
     * a summary row may be locked by another batch), lost a deadlock or a serialization conflict (class 40); the
     * database is read-only (25006, a promoted replica's old primary), out of disk or memory (53), shutting down (57P),
     * or refuses the role a table or lacks one (42, 28, 3D: the statements are fixed, a record cannot cause these);
     * connection (08) and internal (58, XX) errors. Such a batch is retried like one the database could not take,
     * never split and dead-lettered: every record of it would be, good ones, until someone replayed them.
     *
     * <p>What a record can cause stays with the split: data exceptions (22: a NUL in text, a number out of range),
     * constraint violations (23), a statement timeout (57014: the split finds the record that is slow on its own), and
     * anything that is not the database's answer.
     */
    static boolean notTheRecords(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().length() == 5) {
                String state = pg.getSqlState();
                return !state.equals("57014") && NOT_THE_RECORDS.contains(state.substring(0, 2));
            }
        }
        return false;
    }

    /** SQLSTATE classes a batch's records cannot cause (see {@link #notTheRecords}). */
    private static final Set<String> NOT_THE_RECORDS = Set.of("08", "25", "28", "3D", "40", "42", "53", "55", "57",
            "58", "XX");

    private Uni<Void> deadLetter(ConsumerRecord<String, EventValue> r, String reason) {
        String why = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
        LOG.warnf("dead-lettering %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), why);
        // The record's own headers too (the CloudEvents ce_* attributes): the replay sends them back with it, for the
        // consumers that read them. Not its trace context: the dead letter's send adds its own, in the same trace
        // (a second traceparent would be appended, not replace it).
        List<RecordHeader> headers = new ArrayList<>();
        for (var h : r.headers()) {
            if (!h.key().startsWith(DLQ_HEADER) && !TRACE_HEADERS.contains(h.key())) {
                headers.add(new RecordHeader(h.key(), h.value()));
            }
        }
        headers.add(header("dlq-reason", why));
        headers.add(header("dlq-original-topic", r.topic()));
        headers.add(header("dlq-original-partition", Integer.toString(r.partition())));
        headers.add(header("dlq-original-offset", Long.toString(r.offset())));
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(r.key())
                .withHeaders(headers)
                .build();
        byte[] bytes = r.value() == null || r.value().bytes() == null ? new byte[0] : r.value().bytes();
        return deadLetters.sendMessage(Message.of(bytes).addMetadata(metadata))
                .invoke(() -> deadLettered.increment())
                .onFailure().transform(DeadLetterRefused::new);
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
