package dev.orders.query.repository;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's limits (deploy/bench/sql, pgbench scripts) run the read API's own statements: each selects exactly
 * {@link OrderViewReads#COLUMNS}, so a change of the API's columns (a cheaper encoding, one more field) cannot leave the
 * harness comparing the API with a different statement.
 */
class BenchStatementsTest {
    /** deploy/bench/sql, found from the working directory up (Maven runs in the module, an IDE maybe at the root). */
    private static final Path SQL = Stream.iterate(Path.of("").toAbsolutePath(), p -> p != null, Path::getParent)
            .map(p -> p.resolve("deploy/bench/sql")).filter(Files::isDirectory).findFirst()
            .orElseThrow(() -> new IllegalStateException("no deploy/bench/sql above " + Path.of("").toAbsolutePath()));

    @ParameterizedTest
    @ValueSource(strings = { "get-by-id.sql", "page-first.sql", "page-deep.sql", "page-inline.sql", "page-offset.sql" })
    void eachReadLimitSelectsTheApisColumns(String file) throws IOException {
        String script = Files.readString(SQL.resolve(file));
        assertTrue(script.contains("SELECT " + OrderViewReads.COLUMNS + " FROM "),
                file + " selects other columns than OrderViewReads.COLUMNS: " + OrderViewReads.COLUMNS);
    }
}
