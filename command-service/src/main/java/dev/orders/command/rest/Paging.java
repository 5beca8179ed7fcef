package dev.orders.command.rest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import dev.orders.http.problem.ProblemException;

/**
 * Keyset paging parameters of the reference-data lists. The cursor is the last id of the previous page, wrapped so
 * clients treat it as opaque; it grants nothing (access is checked separately), so it is not signed.
 */
public final class Paging {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;
    private static final String PREFIX = "k1:";

    private Paging() {
    }

    public static int limit(String raw) {
        if (raw == null || raw.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(raw.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the same message
        }
        throw ProblemException.badRequest("limit must be an integer from 1 to " + MAX_LIMIT + ", got '" + raw + "'");
    }

    public static UUID after(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (decoded.startsWith(PREFIX)) {
                return UUID.fromString(decoded.substring(PREFIX.length()));
            }
        } catch (IllegalArgumentException ignored) {
            // fall through to the same message
        }
        throw ProblemException.badRequest("cursor is not one this API issued");
    }

    /** The cursor of the next page, or null when {@code pageSize < limit} (no further page). */
    public static String next(UUID lastId, int pageSize, int limit) {
        if (pageSize < limit || lastId == null) {
            return null;
        }
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + lastId).getBytes(StandardCharsets.UTF_8));
    }
}
