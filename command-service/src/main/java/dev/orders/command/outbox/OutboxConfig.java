package dev.orders.command.outbox;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code orders.outbox.*}: relay, wake-ups and housekeeping of the transactional outbox. */
@ConfigMapping(prefix = "orders.outbox")
public interface OutboxConfig {
    /** Rows claimed and sent per relay transaction. */
    @WithDefault("200")
    int batchSize();

    /**
     * How long a relay transaction waits for the broker to acknowledge its batch before it rolls back (and the batch
     * is sent again later). Stays under the role's idle_in_transaction_session_timeout (10 s), and above the
     * producer's max.block.ms plus delivery.timeout.ms, so the producer gives up first.
     */
    @WithDefault("PT9500MS")
    Duration sendTimeout();

    /**
     * How long one relay transaction may take in all, from asking the pool for a connection to its commit: the wait
     * for the relay lock (the role's lock_timeout, 2 s), the send deadline and the statements, with room. Past it the
     * drain gives the batch up and the next poll starts afresh on another connection. Only a connection that stopped
     * answering without closing gets there (a pooler gone from the network): the database ends whatever the
     * transaction still holds on its idle_in_transaction_session_timeout; without this deadline the instance relayed
     * nothing until TCP gave the connection up, minutes later.
     */
    @WithDefault("PT14S")
    Duration batchDeadline();

    /**
     * The least time between the starts of two relay batches that commits wake: a commit drains at once when no batch
     * that claimed rows started within it, else waits until it has passed since that batch's start, so that the
     * commits of that window leave in one relay transaction, one produce request and one projector batch instead of one
     * each. Zero drains at every commit.
     */
    @WithDefault("0s")
    Duration wakeDelay();

    /** Relay at all (operators and crash tests switch it off). */
    @WithDefault("true")
    boolean relayEnabled();

    /**
     * The relay's poll (Quarkus scheduler syntax, read by {@code @Scheduled}): catches rows no local commit woke it for
     * (a writer that died between commit and wake-up, a writer whose relay is off).
     */
    @WithDefault("1s")
    String pollInterval();

    /** First poll after start (scheduler syntax). */
    @WithDefault("1s")
    String pollDelay();

    /** Relayed rows are kept this long, then purged. */
    @WithDefault("P7D")
    Duration retention();

    /** Rows deleted per purge statement. */
    @WithDefault("5000")
    int purgeBatch();

    /** How often the purge runs (scheduler syntax). */
    @WithDefault("10m")
    String purgeEvery();

    /** How often the backlog gauges are measured (scheduler syntax). */
    @WithDefault("5s")
    String metricsEvery();

    /**
     * The backlog gauge counts unpublished rows up to this many (it then reads "at least this many"), so that measuring
     * stays a short index scan when the outbox holds millions of them.
     */
    @WithDefault("100000")
    int backlogCountLimit();
}
