package dev.orders.query;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

/**
 * An order as the read API returns it: the write API's order plus the customer's name and email. {@code revision} is
 * the read row's own counter (every write of the row, a customer rename too), which the caches compare and the ETag
 * carries; it is not part of the body.
 *
 * <p>{@code items} is the JSON array of {@link Line}s exactly as the read model stores it (its jsonb text), written
 * into responses as is: nothing here reads a line, and parsing them into objects only to serialize them again was
 * 17 % of a 20-row page's CPU (JFR, BENCHMARKS.md).
 */
public record OrderView(UUID id, UUID customerId, String customerName, String customerEmail, String status,
        long version, Instant createdAt, Instant updatedAt, String currency, long totalCents,
        @Schema(type = SchemaType.ARRAY, implementation = Line.class) @JsonRawValue @JsonDeserialize(using = RawJson.class) String items,
        @JsonIgnore long revision) {

    /** One line of {@code items} (its schema: the body carries the read model's JSON of it). */
    public record Line(UUID productId, String name, int quantity, long unitPriceCents) {
    }

    /** Reads a JSON value back into its text (a cached body read from Redis), the inverse of {@link JsonRawValue}. */
    public static final class RawJson extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return p.readValueAsTree().toString();
        }
    }
}
