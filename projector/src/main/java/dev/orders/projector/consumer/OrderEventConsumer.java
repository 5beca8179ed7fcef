package dev.orders.projector.consumer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.orders.events.CatalogEvent;
import dev.orders.events.OrderEvent;
import dev.orders.events.Topics;
import dev.orders.projector.ProjectorConfig;
import dev.orders.projector.invalidation.InvalidationPublisher;
import dev.orders.projector.store.OrderViewStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Consumes order events in batches and applies each batch to the read model in one transaction. The returned
 * {@link Uni} completes only after the commit, and only then are the batch's offsets acknowledged: at-least-once,
 * made exact by the version guard in {@link OrderViewStore}.
 *
 * <p>Transient failures (database down) are retried with back-off, holding the partition rather than skipping it;
 * if they outlast {@code orders.projector.retry-for}, the channel fails and readiness reports DOWN. Poison records go to
 * the dead-letter topic with the reason in a header and do not block the rest.
 */
@ApplicationScoped
public class OrderEventConsumer {
    private static final Logger LOG = Logger.getLogger(OrderEventConsumer.class);

    private final OrderViewStore store;
    private final EventDecoder decoder;
    private final MutinyEmitter<String> deadLetters;
    private final Duration retryFor;
    private final Counter applied;
    private final Counter ignored;
    private final Counter deadLettered;
    private final Timer applyTimer;
    private final Timer eventLag;
    private final DistributionSummary batchSize;
    private final InvalidationPublisher invalidations;
    private final AtomicLong lastEventTimeMillis = new AtomicLong();

    public OrderEventConsumer(OrderViewStore store, EventDecoder decoder, InvalidationPublisher invalidations,
            @Channel("order-events-dlq") MutinyEmitter<String> deadLetters,
            ProjectorConfig config, MeterRegistry registry) {
        this.store = store;
        this.decoder = decoder;
        this.invalidations = invalidations;
        this.batchSize = DistributionSummary.builder("projector.batch.size").publishPercentiles(0.5, 0.99)
                .register(registry);
        this.deadLetters = deadLetters;
        this.retryFor = config.retryFor();
        this.applied = registry.counter("projector.events.applied");
        this.ignored = registry.counter("projector.events.ignored", "reason", "duplicate-or-stale");
        this.deadLettered = registry.counter("projector.events.dead_lettered");
        this.applyTimer = Timer.builder("projector.batch.apply").publishPercentiles(0.5, 0.95, 0.99)
                .register(registry);
        // How far behind the newest applied event was when its batch committed (does not grow while idle).
        registry.gauge("projector.lag.event_time.seconds", lastEventTimeMillis, t -> t.get() / 1000.0);
        this.eventLag = Timer.builder("projector.event.lag")
                .description("from the write-side commit (occurredAt) to the read-model commit, per event")
                .publishPercentiles(0.5, 0.95, 0.99).register(registry);
    }

    @Incoming("order-events")
    public Uni<Void> consume(ConsumerRecords<String, String> records) {
        List<OrderEvent> events = new ArrayList<>(records.count());
        List<CatalogEvent> catalog = new ArrayList<>();
        List<Uni<Void>> poison = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            var result = Topics.CATALOG_EVENTS.equals(r.topic()) ? decoder.decodeCatalog(r.key(), r.value())
                    : decoder.decode(r.key(), r.value());
            switch (result) {
                case EventDecoder.Decoded d -> events.add(d.event());
                case EventDecoder.DecodedCatalog d -> catalog.add(d.event());
                case EventDecoder.Poison p -> poison.add(deadLetter(r, p.reason()));
            }
        }
        batchSize.record(records.count());
        long start = System.nanoTime();
        Uni<Void> deadLettering = poison.isEmpty() ? Uni.createFrom().voidItem()
                : Multi.createFrom().iterable(poison).onItem().transformToUniAndConcatenate(u -> u)
                        .collect().last().replaceWithVoid();
        return deadLettering
                .chain(() -> store.apply(events, catalog)
                        .onFailure().invoke(e -> LOG.warnf("applying %d events failed, will retry: %s",
                                events.size() + catalog.size(), e.toString()))
                        .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5))
                        .expireIn(retryFor.toMillis()))
                .call(changes -> invalidations.publish(changes))
                .invoke(changes -> {
                    applyTimer.record(Duration.ofNanos(System.nanoTime() - start));
                    int appliedOrders = (int) events.stream().map(OrderEvent::aggregateId).distinct()
                            .filter(changes.orders()::containsKey).count();
                    applied.increment(appliedOrders + changes.customers());
                    ignored.increment(events.size() + catalog.size() - appliedOrders - changes.customers());
                    long now = System.currentTimeMillis();
                    events.forEach(e -> eventLag.record(Duration.ofMillis(Math.max(0, now - e.occurredAt().toEpochMilli()))));
                    events.stream().map(OrderEvent::occurredAt).max(Instant::compareTo)
                            .ifPresent(t -> lastEventTimeMillis.set(Math.max(0, now - t.toEpochMilli())));
                })
                .replaceWithVoid();
    }

    private Uni<Void> deadLetter(ConsumerRecord<String, String> r, String reason) {
        LOG.warnf("dead-lettering %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), reason);
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(r.key())
                .withHeaders(List.of(
                        header("dlq-reason", reason),
                        header("dlq-original-topic", r.topic()),
                        header("dlq-original-partition", Integer.toString(r.partition())),
                        header("dlq-original-offset", Long.toString(r.offset()))))
                .build();
        return deadLetters.sendMessage(Message.of(r.value() == null ? "" : r.value()).addMetadata(metadata))
                .invoke(() -> deadLettered.increment());
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
