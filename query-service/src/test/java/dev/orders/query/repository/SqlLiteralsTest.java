package dev.orders.query.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class SqlLiteralsTest {
    private static final UUID ID = UUID.fromString("01890a5d-ac96-774b-bcce-b302099a8057");

    /** One parameter (List.of would spread an array into its elements). */
    private static List<Object> one(Object value) {
        return java.util.Collections.singletonList(value);
    }

    @Test
    void typedValuesBecomeLiteralsInPlaceOfTheirPlaceholders() {
        OffsetDateTime t = OffsetDateTime.of(2026, 3, 1, 10, 15, 30, 123_000_000, ZoneOffset.ofHours(2));
        List<Object> params = Arrays.asList(ID, t, null, new String[] { "PLACED", "CANCELLED" }, 21, 7L, 2, 3, 4, 10);
        String sql = SqlLiterals.inline("f($1, $2, $3, $4, $5, $6, $10)", params);
        assertEquals("f('" + ID + "'::uuid, '2026-03-01T08:15:30.123Z'::timestamptz, NULL, "
                + "ARRAY['PLACED','CANCELLED']::text[], 21, 7, 10)", sql, "$10 is the tenth value, not $1 and a 0");
        assertTrue(SqlLiterals.inlinable(params));
    }

    @Test
    void freeTextAndAnythingThatCouldCarrySqlIsRefused() {
        assertFalse(SqlLiterals.inlinable(List.of(ID, "%o'brien%")), "a search term stays a parameter");
        assertFalse(SqlLiterals.inlinable(one(new String[] { "PLACED'); DROP TABLE x; --" })));
        assertFalse(SqlLiterals.inlinable(one(new String[] { "placed" })), "only checked status names");
        assertFalse(SqlLiterals.inlinable(one(new String[0])), "an empty array has no typed literal here");
        assertFalse(SqlLiterals.inlinable(List.of(1.5d)));
        assertThrows(IllegalArgumentException.class, () -> SqlLiterals.inline("x = $1", List.of("text")));
        // control: the same shapes with checked values are accepted
        assertTrue(SqlLiterals.inlinable(one(new String[] { "PLACED" })));
    }
}
