package dev.orders.http.problem;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * What was wrong with a request body, said so a client can fix it: the field (a path such as
 * {@code items[0].quantity}, or {@code (body)}) and what that field needed. Values and field names the client sent
 * are echoed only shortened and as JSON strings, never as raw text.
 */
record JsonError(String field, String message) {
    static final String BODY = "(body)";
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'", Pattern.DOTALL);
    private static final Pattern COERCED = Pattern.compile(
            "Cannot coerce (String|Floating-point|Integer|Boolean) value \\((.*)\\) to ", Pattern.DOTALL);
    private static final Pattern STRUCTURE = Pattern.compile("from (Array|Object) value");
    private static final int MAX_ECHO = 64;

    String detail() {
        return field.equals(BODY) ? message : "field '" + field + "': " + message;
    }

    static JsonError of(JsonProcessingException e) {
        return switch (e) {
            case UnrecognizedPropertyException u -> new JsonError(path(u.getPath(), u.getPropertyName()), "unknown field");
            case InvalidFormatException f -> new JsonError(path(f.getPath(), null),
                    "expected " + jsonType(f.getTargetType()) + ", got " + echo(f.getValue()));
            case MismatchedInputException m when m.getOriginalMessage() != null
                    && m.getOriginalMessage().startsWith("Trailing token") ->
                new JsonError(BODY, "unexpected content after the JSON value");
            case MismatchedInputException m when m.getPath().isEmpty() && m.getTargetType() != null ->
                new JsonError(BODY, "expected " + jsonType(m.getTargetType()));
            case MismatchedInputException m -> new JsonError(path(m.getPath(), null),
                    (m.getTargetType() == null ? "has the wrong type" : "expected " + jsonType(m.getTargetType()))
                            + got(m));
            case JsonMappingException m when m.getCause() instanceof StreamReadException r
                    && DUPLICATE.matcher(String.valueOf(r.getOriginalMessage())).lookingAt() ->
                duplicate(path(m.getPath(), null), r);
            case JsonMappingException m when m.getCause() instanceof JsonProcessingException cause -> of(cause);
            case JsonMappingException m -> new JsonError(path(m.getPath(), null), "cannot be read: "
                    + shorten(m.getOriginalMessage()));
            case StreamConstraintsException c -> new JsonError(BODY, "too deeply nested or too long: "
                    + shorten(c.getOriginalMessage()));
            case InputCoercionException c -> new JsonError(parserPath(c), "number out of range");
            case StreamReadException r -> duplicateOrSyntax(r);
            default -> new JsonError(BODY, "malformed JSON");
        };
    }

    private static JsonError duplicateOrSyntax(StreamReadException r) {
        String original = r.getOriginalMessage() == null ? "" : r.getOriginalMessage();
        Matcher duplicate = DUPLICATE.matcher(original);
        if (duplicate.lookingAt()) {
            return duplicate(parserPath(r, false), r);
        }
        long line = r.getLocation() == null ? -1 : r.getLocation().getLineNr();
        long column = r.getLocation() == null ? -1 : r.getLocation().getColumnNr();
        String where = line > 0 ? " at line " + line + ", column " + column : "";
        return new JsonError(BODY, "malformed JSON" + where + ": " + shorten(firstLine(original)));
    }

    private static JsonError duplicate(String parent, StreamReadException r) {
        Matcher m = DUPLICATE.matcher(String.valueOf(r.getOriginalMessage()));
        String name = m.lookingAt() ? clean(m.group(1)) : "?";
        return new JsonError(parent.equals(BODY) ? name : parent + "." + name, "appears more than once");
    }

    /** The parser's position as a field path (the field it was reading when it stopped). */
    private static String parserPath(StreamReadException e) {
        return parserPath(e, true);
    }

    /** @param withCurrentName false: the object being read, without the field it was at */
    private static String parserPath(StreamReadException e, boolean withCurrentName) {
        if (!(e.getProcessor() instanceof JsonParser parser)) {
            return BODY;
        }
        StringBuilder sb = new StringBuilder();
        boolean innermost = true;
        for (JsonStreamContext c = parser.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            String step = c.inArray() ? "[" + c.getCurrentIndex() + "]"
                    : c.getCurrentName() == null || (innermost && !withCurrentName) ? ""
                            : "." + clean(c.getCurrentName());
            sb.insert(0, step);
            innermost = false;
        }
        return sb.isEmpty() ? BODY : sb.charAt(0) == '.' ? sb.substring(1) : sb.toString();
    }

    private static String path(List<JsonMappingException.Reference> refs, String last) {
        StringBuilder sb = new StringBuilder();
        for (var ref : refs) {
            if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(clean(ref.getFieldName()));
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        if (last != null && !sb.toString().endsWith(clean(last))) {
            sb.append(sb.isEmpty() ? "" : ".").append(clean(last));
        }
        return sb.isEmpty() ? BODY : sb.toString();
    }

    private static String jsonType(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == java.math.BigInteger.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == UUID.class) {
            return "a UUID string";
        }
        if (type.isEnum()) {
            return "one of " + List.of(type.getEnumConstants());
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord() || !type.isPrimitive()) {
            return "an object";
        }
        return "a " + type.getSimpleName();
    }

    /**
     * ", got <what the client sent>" for a value of the wrong kind, or nothing when that is unknown. Read from Jackson's
     * message: once binding has failed the parser is closed and no longer says which token it was at.
     */
    private static String got(MismatchedInputException e) {
        String message = String.valueOf(e.getOriginalMessage());
        Matcher coerced = COERCED.matcher(message);
        if (coerced.lookingAt()) {
            return ", got " + (coerced.group(1).equals("String") ? "the string " : "") + clean(coerced.group(2));
        }
        Matcher structure = STRUCTURE.matcher(message);
        if (structure.find()) {
            return structure.group(1).equals("Array") ? ", got an array" : ", got an object";
        }
        return "";
    }

    private static String echo(Object value) {
        return value instanceof String s ? "the string \"" + clean(s) + "\"" : shorten(String.valueOf(value));
    }

    /** A client-sent name or value, safe to echo: control and format characters escaped, at most 64 chars. */
    static String clean(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < MAX_ECHO; ) {
            int cp = s.codePointAt(i);
            int category = Character.getType(cp);
            if (category == Character.CONTROL || category == Character.FORMAT || category == Character.SURROGATE
                    || category == Character.UNASSIGNED) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
            i += Character.charCount(cp);
        }
        return sb.length() >= MAX_ECHO ? sb + "…" : sb.toString();
    }

    private static String shorten(String s) {
        return s == null ? "" : clean(s);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
