package dev.orders.http.paging;

import dev.orders.http.problem.ProblemException;

/** The {@code limit} query parameter of every list endpoint: 1..100, default 20; anything else is a 400 problem. */
public final class PageLimit {
    public static final int DEFAULT = 20;
    public static final int MAX = 100;
    /** OpenAPI descriptions of the paging parameters every list endpoint takes. */
    public static final String LIMIT_DOC = "Page size, 1 to 100 (default 20)";
    public static final String CURSOR_DOC = "Opaque: the previous page's nextCursor (absent for the first page)";

    private PageLimit() {
    }

    /** Parsed by hand rather than bound as {@code int}: JAX-RS answers a malformed query param with 404. */
    public static int parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return DEFAULT;
        }
        try {
            int n = Integer.parseInt(raw.trim());
            if (n >= 1 && n <= MAX) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // same message below
        }
        throw ProblemException.badRequest("limit must be an integer from 1 to " + MAX + ", got '" + raw + "'");
    }
}
