package dev.orders.projector;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.projector.*}: how the projector consumes, when it gives up on a record, and where it writes. */
@ConfigMapping(prefix = "orders.projector")
public interface ProjectorConfig {
    /**
     * Attempts at a whole batch before it is split to find the records that fail on their own (which go to the
     * dead-letter topic with the reason). Only while the database answers: a database that does not is waited for.
     */
    @WithDefault("3")
    int applyAttempts();

    /**
     * How long the projector holds a partition while the read database does not answer; then the channel fails and
     * readiness reports DOWN. The throttled commit's unprocessed-record limit must stay above it.
     */
    @WithDefault("PT2M")
    Duration retryFor();

    /** Events whose order was created longer ago than this are dead-lettered instead of creating a partition. */
    @WithDefault("P3650D")
    Duration acceptPast();

    /** ...and those created further ahead than this (clock skew) too. */
    @WithDefault("PT24H")
    Duration acceptFuture();

    /** The Kafka consumer group (also read by the channel's {@code group.id}). */
    @WithDefault("orders-projector")
    String groupId();

    /** Empty for the live tables, {@code _next} while {@code rebuild-read-model} fills fresh ones. */
    Optional<String> targetSuffix();
}
