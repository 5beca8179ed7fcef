package dev.orders.command.outbox;

/**
 * A CDI event: a transaction that appended to the outbox has committed. {@link OutboxRelay} observes it and drains at
 * once, so whoever commits a write needs no reference to the relay.
 */
public record OutboxCommitted() {
}
