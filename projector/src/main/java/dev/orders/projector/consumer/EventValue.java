package dev.orders.projector.consumer;

/**
 * A record value as the consumer receives it: its bytes, kept for the dead-letter topic (a record that later fails in
 * SQL is dead-lettered exactly as it came, even bytes that are not UTF-8), and what they decoded to.
 */
public record EventValue(byte[] bytes, EventDecoder.Result decoded) {
}
