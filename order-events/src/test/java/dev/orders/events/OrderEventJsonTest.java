package dev.orders.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The JSON form is the wire contract: it must round-trip and keep its field names. */
class OrderEventJsonTest {
    private final ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void roundTripsThroughJson() throws Exception {
        Instant created = Instant.parse("2026-05-01T10:00:00.123Z");
        UUID orderId = OrderIds.newId(created);
        OrderState state = new OrderState(orderId, UUID.randomUUID(), "Ada", "ada@example.com", OrderStatus.PENDING, 1,
                created, created, "EUR", 2500,
                List.of(new OrderState.OrderLine(UUID.randomUUID(), "Widget", 2, 1250)));
        OrderEvent event = OrderEvent.of(OrderEventType.OrderCreated, state, created);

        String json = mapper.writeValueAsString(event);
        OrderEvent back = mapper.readValue(json, OrderEvent.class);

        assertEquals(event, back);
        var tree = mapper.readTree(json);
        assertEquals("OrderCreated", tree.get("type").asText());
        assertEquals(orderId.toString(), tree.get("aggregateId").asText());
        assertEquals(1, tree.get("aggregateVersion").asLong());
        assertEquals("2026-05-01T10:00:00.123Z", tree.get("occurredAt").asText());
        assertEquals(OrderEvent.SCHEMA_VERSION, tree.get("schemaVersion").asInt());
    }
}
