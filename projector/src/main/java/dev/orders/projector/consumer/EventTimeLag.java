package dev.orders.projector.consumer;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code projector.lag.event_time.seconds}: how far behind the newest applied event of each Kafka partition was when
 * its batch committed, the largest over the partitions this instance owns. The consumers apply their partitions at
 * once, so one value for the instance (the last batch committed) let a consumer that had caught up hide another one
 * far behind. A partition that moves to another instance is forgotten here (this is the channel's rebalance
 * listener) and reported there; a batch of it that commits late (a retry outlasting the rebalance) does not bring it
 * back. Does not grow while idle: Kafka's consumer-group lag says how much waits.
 */
@Startup // the gauge exists from start-up, before the first partition is assigned
@ApplicationScoped
@Identifier(EventTimeLag.NAME)
public class EventTimeLag implements KafkaConsumerRebalanceListener {
    /** The name the channel's {@code consumer-rebalance-listener.name} refers to. */
    public static final String NAME = "order-events-rebalance";

    private final Map<TopicPartition, Long> lagMillis = new ConcurrentHashMap<>();

    public EventTimeLag(MeterRegistry registry) {
        Gauge.builder("projector.lag.event_time.seconds", this, EventTimeLag::maxSeconds)
                .description("per partition, the newest applied event's age when its batch committed; the largest")
                .baseUnit("seconds").register(registry);
    }

    /** The newest event of {@code partition} in a batch just committed was this old (ignored unless it is ours). */
    void applied(TopicPartition partition, long millisBehind) {
        lagMillis.computeIfPresent(partition, (p, before) -> Math.max(0, millisBehind));
    }

    double maxSeconds() {
        return lagMillis.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        partitions.forEach(p -> lagMillis.putIfAbsent(p, 0L));
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        partitions.forEach(lagMillis::remove);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        partitions.forEach(lagMillis::remove);
    }
}
