package dev.orders.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The committed OpenAPI contract of a service ({@code openapi.yaml} in its module), compared with the document the
 * service serves. A difference fails the test, so an API change cannot land without its contract; run the test with
 * {@code -Dopenapi.write=true} to rewrite the file, then review and commit it.
 */
public final class OpenApiFile {
    public static final Path COMMITTED = Path.of("openapi.yaml"); // surefire runs in the module's directory
    private static final String REWRITE = "openapi.write";

    private OpenApiFile() {
    }

    /** @return null when current (or just rewritten), else why it is stale */
    public static String staleness(String served) {
        String normalized = served.strip() + "\n";
        try {
            if (Boolean.getBoolean(REWRITE)) {
                Files.writeString(COMMITTED, normalized);
                return null;
            }
            if (!Files.exists(COMMITTED)) {
                return COMMITTED.toAbsolutePath() + " is missing; run this test with -D" + REWRITE + "=true";
            }
            String committed = Files.readString(COMMITTED);
            if (committed.equals(normalized)) {
                return null;
            }
            String[] a = committed.split("\n", -1);
            String[] b = normalized.split("\n", -1);
            int line = 0;
            while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) {
                line++;
            }
            return COMMITTED.toAbsolutePath() + " is stale from line " + (line + 1) + ": committed '"
                    + (line < a.length ? a[line] : "<end>") + "', served '" + (line < b.length ? b[line] : "<end>")
                    + "'; run this test with -D" + REWRITE + "=true and commit the file";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
