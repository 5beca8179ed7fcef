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
    private static final String PREFIX = "k1:";

    private Paging() {
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
