package dev.orders.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.Flyway;

/**
 * A rollback after a schema migration: the database carries a migration the running build does not have. The services
 * migrate at start and Flyway validates first; without {@code ignore-migration-patterns=*:future} it refuses the
 * newer migration ("applied migration not resolved locally") and an older build crash-loops on start. That the older
 * build also runs correctly on the newer schema is the migrations' rule (add, never take away), not checked here.
 */
public final class SchemaRollback {
    /** Far above any real migration; removed again afterwards. */
    public static final String NEWER_VERSION = "99999";

    private SchemaRollback() {
    }

    /**
     * With a migration from a newer build recorded in the schema history, the service's {@code flyway} migrates as
     * start does (validates, then migrates) without refusing it, and that migration stays the schema's current version.
     * The record is removed afterwards.
     */
    public static void assertAnOlderBuildMigrates(Flyway flyway) throws SQLException {
        String history = flyway.getConfiguration().getTable();
        // a run killed between insert and delete left its row: every real migration would then look out of order
        forgetNewerMigration(flyway, history);
        execute(flyway, """
                INSERT INTO %1$s (installed_rank, version, description, type, script, checksum, installed_by,
                                  execution_time, success)
                SELECT max(installed_rank) + 1, '%2$s', 'from a newer build', 'SQL', 'V%2$s__from_a_newer_build.sql',
                       0, current_user, 0, true
                  FROM %1$s""".formatted(history, NEWER_VERSION));
        try {
            flyway.migrate(); // throws if validation refuses the newer migration
            String current = flyway.info().current().getVersion().getVersion();
            if (!NEWER_VERSION.equals(current)) {
                throw new AssertionError("the newer migration should stay the schema's current version, was " + current);
            }
        } finally {
            forgetNewerMigration(flyway, history);
        }
    }

    private static void forgetNewerMigration(Flyway flyway, String history) throws SQLException {
        execute(flyway, "DELETE FROM " + history + " WHERE version = '" + NEWER_VERSION + "'");
    }

    private static void execute(Flyway flyway, String sql) throws SQLException {
        try (Connection c = flyway.getConfiguration().getDataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
