package dev.orders.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/** RawJsonSerializer writes exactly what {@code @JsonRawValue} writes, whatever the characters and the length. */
class RawJsonSerializerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Raw(String before, @JsonSerialize(using = RawJsonSerializer.class) String items, long after) {
    }

    record Reference(String before, @JsonRawValue String items, long after) {
    }

    static String[] items() {
        String line = "{\"productId\":\"8c7e1f0a-5a4f-4b8e-9a57-0d3c2b1a0f9e\","
                + "\"name\":\"Caf\u00e9 cr\u00e8me \u2615 \uD83D\uDE80\",\"quantity\":3,\"unitPriceCents\":1299}";
        // past the generator's 8,000-byte buffer too, where it writes the bytes on their own
        return new String[] { "[]", "[" + line + "]", "[" + (line + ",").repeat(200) + line + "]",
                "[{\"name\":\"ASCII only, with \\\"escapes\\\" and \\\\ kept as stored\"}]" };
    }

    @ParameterizedTest
    @MethodSource("items")
    void writesTheStoredJsonAsItIsInUtf8(String items) throws Exception {
        byte[] written = JSON.writeValueAsBytes(new Raw("\u00e0 before", items, 42));
        assertArrayEquals(JSON.writeValueAsBytes(new Reference("\u00e0 before", items, 42)), written);
        assertEquals(JSON.readTree(items), JSON.readTree(written).get("items"));
        assertEquals("{\"before\":\"\u00e0 before\",\"items\":" + items + ",\"after\":42}",
                new String(written, StandardCharsets.UTF_8));
    }
}
