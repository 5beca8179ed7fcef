package dev.orders.command.service;

import java.text.Normalizer;

import dev.orders.http.problem.ProblemException;

/**
 * Free text as this service stores it (product and customer names, emails): stripped, in Unicode NFC, and without
 * characters of the categories Cc (controls, NUL among them: Postgres rejects it) and Cf (format: bidi overrides,
 * zero-width characters) nor unpaired surrogates, which let a name look like another or reorder what is shown
 * around it. NFC makes the same visible name one string, whichever composition a client sent.
 */
public final class Text {
    private Text() {
    }

    /** The index of the first character that free text may not hold, or -1. */
    public static int forbiddenAt(String s) {
        for (int i = 0; i < s.length();) {
            int cp = s.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    /** Why {@code s} is refused, or null when it is fine. */
    public static String problem(String s) {
        int at = s == null ? -1 : forbiddenAt(s);
        return at < 0 ? null
                : String.format("must not contain control, format (bidi, zero-width) or unpaired surrogate characters; "
                        + "found U+%04X at index %d", s.codePointAt(at), at);
    }

    /** {@code s} stripped and in NFC; a 400 naming {@code field} if it holds a character {@link #problem} refuses. */
    public static String clean(String field, String s) {
        if (s == null) {
            return null;
        }
        String problem = problem(s);
        if (problem != null) {
            throw ProblemException.invalid(field, problem);
        }
        return Normalizer.normalize(s.strip(), Normalizer.Form.NFC);
    }
}
