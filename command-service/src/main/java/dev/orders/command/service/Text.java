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

    /**
     * A free-text field and the length its table allows, in code points (Postgres's {@code length}, which its CHECK
     * constraint counts).
     */
    public record Field(String name, int minLength, int maxLength) {
        /**
         * {@code s} stripped and in NFC; a 400 naming the field if it holds a character {@link #problem} refuses, or
         * if what is left is shorter or longer than the table allows. Checked here, after cleaning, and not only by
         * the request's bean validation, which sees the raw text: a name of only spaces (U+2003 too, which
         * {@code @NotBlank} keeps) is empty once stripped, and NFC can lengthen text (U+FB2C is three code points),
         * and either reached the CHECK constraint at commit: a 500 that counted towards the write breaker.
         */
        public String clean(String s) {
            if (s == null) {
                return null;
            }
            String problem = problem(s);
            if (problem != null) {
                throw ProblemException.invalid(name, problem);
            }
            String cleaned = Normalizer.normalize(s.strip(), Normalizer.Form.NFC);
            int length = cleaned.codePointCount(0, cleaned.length());
            if (length == 0 && minLength > 0) {
                throw ProblemException.invalid(name, "must not be blank");
            }
            if (length < minLength || length > maxLength) {
                throw ProblemException.invalid(name, String.format("must be %d to %d characters long once stripped "
                        + "and in Unicode NFC; it is %d", minLength, maxLength, length));
            }
            return cleaned;
        }
    }
}
