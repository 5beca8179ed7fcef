package dev.orders.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class OrderIdsTest {

    @Test
    void idIsVersion7WithRfcVariantAndCarriesItsMillisecond() {
        Instant at = Instant.parse("2026-03-04T05:06:07.891234Z");
        UUID id = OrderIds.newId(at);
        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        assertEquals(Instant.parse("2026-03-04T05:06:07.891Z"), OrderIds.timestampOf(id));
    }

    @Test
    void idsSortByCreationTime() {
        UUID earlier = OrderIds.newId(Instant.parse("2026-01-01T00:00:00Z"));
        UUID later = OrderIds.newId(Instant.parse("2026-01-01T00:00:00.001Z"));
        // Postgres compares uuids bytewise, i.e. as unsigned; the timestamp prefix is positive for centuries.
        assertTrue(earlier.toString().compareTo(later.toString()) < 0);
    }

    @Test
    void rejectsOtherVersions() {
        assertThrows(IllegalArgumentException.class, () -> OrderIds.timestampOf(UUID.randomUUID()));
    }
}
