package dev.orders.command.idempotency;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonValue;

/** A stored JSON body, written back out verbatim on replay (byte-for-byte the first response). */
public record RawJson(@JsonValue @JsonRawValue String json) {
}
