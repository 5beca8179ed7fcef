package dev.orders.events.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The fast codec writes and reads exactly what jsr310 does, and leaves jsr310 everything it does not handle. */
class Rfc3339InstantsTest {
    private static final ObjectMapper JSR310 = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final ObjectMapper FAST = new ObjectMapper().registerModule(new JavaTimeModule())
            .registerModule(Rfc3339Instants.module()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final long YEAR_0 = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long YEAR_10000 = Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond();

    @Test
    void theModuleTakesOverInstantsOnlyWhenRegisteredAfterJsr310() throws Exception {
        assertTrue(Rfc3339Instants.installedIn(FAST));
        assertFalse(Rfc3339Instants.installedIn(JSR310));
        assertFalse(Rfc3339Instants.installedIn(new ObjectMapper().registerModule(Rfc3339Instants.module())
                .registerModule(new JavaTimeModule())));
    }

    @Test
    void writesAndReadsWhatJsr310WritesAndReads() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(YEAR_0 - 86_400 * 400L, YEAR_10000 + 86_400 * 400L);
            int nano = switch (i % 5) { // whole seconds and each fraction width ISO_INSTANT writes
                case 0 -> 0;
                case 1 -> random.nextInt(1_000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(seconds, nano);
            String expected = JSR310.writeValueAsString(t);
            assertEquals(expected, FAST.writeValueAsString(t), () -> "written " + t);
            assertEquals('"' + DateTimeFormatter.ISO_INSTANT.format(t) + '"', expected);
            assertEquals(t, FAST.readValue(expected, Instant.class), () -> "read back " + expected);
        }
    }

    @Test
    void everyOtherInputGetsJsr310sAnswerOrError() {
        List<String> inputs = List.of("\"2026-12-04T15:30:00Z\"", "\"2026-12-04T15:30:00.1Z\"",
                "\"2026-12-04T15:30:00.12345678Z\"", "\"2026-12-04T15:30:00.123456789Z\"",
                "\"2026-12-04T15:30:00.1234567890Z\"", "\"2026-12-04T15:30:00.Z\"", "\"2026-12-04t15:30:00z\"",
                "\"2026-12-04T15:30:00+01:00\"", "\"2026-12-04T15:30Z\"", "\"2026-12-04T24:00:00Z\"",
                "\"2026-12-31T23:59:60Z\"", "\"2025-02-29T00:00:00Z\"", "\"2024-02-29T00:00:00Z\"",
                "\"2026-04-31T00:00:00Z\"", "\"2026-13-01T00:00:00Z\"", "\"2026-00-10T00:00:00Z\"",
                "\"2026-12-04T15:60:00Z\"", "\"2026-12-04 15:30:00Z\"", "\"+12026-12-04T15:30:00Z\"",
                "\"-0001-12-04T15:30:00Z\"", "\"20x6-12-04T15:30:00Z\"", "\"2026-12-04T15:30:0aZ\"",
                "\"2026-12-04T15:30:00.12a4Z\"", "\"\"", "\" 2026-12-04T15:30:00Z\"", "1796398543",
                "1796398543.123", "null", "true", "[]", "{}");
        for (String input : inputs) {
            assertEquals(outcome(JSR310, input), outcome(FAST, input), input);
        }
    }

    @Test
    void readsInsideARecordAsJsr310Does() throws Exception {
        record Stamped(Instant at, String name) {
        }
        String json = "{\"at\":\"2026-12-04T15:30:00.000123Z\",\"name\":\"n\"}";
        assertEquals(JSR310.readValue(json, Stamped.class), FAST.readValue(json, Stamped.class));
        assertEquals(Instant.parse("2026-12-04T15:30:00.000123Z"), FAST.readValue(json, Stamped.class).at());
    }

    private static String outcome(ObjectMapper mapper, String json) {
        try {
            return "value " + mapper.readValue(json, Instant.class);
        } catch (Exception e) {
            return "error " + e.getClass().getName();
        }
    }
}
