package dev.orders.query.repository;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a statement's typed parameters as SQL literals, so that it runs as one simple-protocol query.
 *
 * <p>Why by hand: through PgBouncer in transaction mode the reactive client cannot keep named prepared statements, and
 * an unnamed one costs two round trips (Parse/Describe/Sync to learn the row types, then Parse/Bind/Execute/Sync),
 * each a transaction of its own in the pooler: measured, two pooler transactions per read and ~40 % more Postgres CPU
 * than the same statement sent once. No library renders literals for the Vert.x client. Only values whose text form
 * cannot carry SQL are rendered (UUIDs, timestamps, integers, and the status names the resource checked against its
 * list); free text from a client never is: {@link #inlinable} refuses it and such a statement keeps its parameters.
 */
public final class SqlLiterals {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$(\\d+)");
    private static final Pattern STATUS = Pattern.compile("[A-Z_]{1,32}");
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    private SqlLiterals() {
    }

    /** Whether every parameter has a literal form: {@link #inline} accepts exactly these. */
    public static boolean inlinable(List<Object> params) {
        return params.stream().allMatch(SqlLiterals::hasLiteral);
    }

    /** {@code sql} with each {@code $n} replaced by the literal of {@code params[n - 1]}. */
    public static String inline(String sql, List<Object> params) {
        Matcher m = PLACEHOLDER.matcher(sql);
        StringBuilder out = new StringBuilder(sql.length() + 16 * params.size());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(literal(params.get(Integer.parseInt(m.group(1)) - 1))));
        }
        return m.appendTail(out).toString();
    }

    static String literal(Object value) {
        if (value == null) {
            return "NULL";
        }
        if (value instanceof UUID id) {
            return "'" + id + "'::uuid";
        }
        if (value instanceof OffsetDateTime t) {
            return "'" + TIMESTAMP.format(t.withOffsetSameInstant(ZoneOffset.UTC)) + "'::timestamptz";
        }
        if (value instanceof Integer || value instanceof Long) {
            return value.toString();
        }
        if (value instanceof String[] statuses && hasLiteral(value)) {
            StringBuilder a = new StringBuilder("ARRAY[");
            for (int i = 0; i < statuses.length; i++) {
                a.append(i == 0 ? "'" : ",'").append(statuses[i]).append('\'');
            }
            return a.append("]::text[]").toString();
        }
        throw new IllegalArgumentException("no literal form for a " + value.getClass().getSimpleName());
    }

    private static boolean hasLiteral(Object v) {
        if (v instanceof String[] names) {
            for (String n : names) {
                if (n == null || !STATUS.matcher(n).matches()) {
                    return false;
                }
            }
            return names.length > 0;
        }
        return v == null || v instanceof UUID || v instanceof OffsetDateTime || v instanceof Integer
                || v instanceof Long;
    }
}
