package dev.orders.projector;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.projector.*}: how the projector consumes and where it writes. */
@ConfigMapping(prefix = "orders.projector")
public interface ProjectorConfig {
    /** How long a batch that fails in SQL is retried before the channel fails. */
    @WithDefault("PT2M")
    Duration retryFor();

    /** The Kafka consumer group (also read by the channel's {@code group.id}). */
    @WithDefault("orders-projector")
    String groupId();

    /** Empty for the live tables, {@code _next} while {@code rebuild-read-model} fills fresh ones. */
    Optional<String> targetSuffix();
}
