package dev.orders.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Supplier;

import javax.sql.DataSource;

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
     * With a migration from a newer build recorded, {@code migrate} (what start does: Flyway validates, then migrates)
     * succeeds and leaves that migration the schema's current version ({@code currentVersion}).
     */
    public static void assertAnOlderBuildMigrates(DataSource db, Runnable migrate, Supplier<String> currentVersion)
            throws SQLException {
        withAMigrationFromANewerBuild(db, () -> {
            migrate.run(); // throws if validation refuses the newer migration
            if (!NEWER_VERSION.equals(currentVersion.get())) {
                throw new AssertionError("the newer migration should stay the schema's current version, was "
                        + currentVersion.get());
            }
        });
    }

    /**
     * Records a migration from a newer build in {@code flyway_schema_history}, runs {@code olderBuildStarts} (what an
     * older build does at start: migrate, which validates first), then removes the record.
     */
    public static void withAMigrationFromANewerBuild(DataSource db, Runnable olderBuildStarts) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            // a run killed between insert and delete left its row: every real migration would then look out of order
            st.execute("DELETE FROM flyway_schema_history WHERE version = '" + NEWER_VERSION + "'");
            st.execute("""
                    INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,
                                                       installed_by, execution_time, success)
                    SELECT max(installed_rank) + 1, '%s', 'from a newer build', 'SQL', 'V%s__from_a_newer_build.sql',
                           0, current_user, 0, true
                      FROM flyway_schema_history""".formatted(NEWER_VERSION, NEWER_VERSION));
        }
        try {
            olderBuildStarts.run();
        } finally {
            try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                st.execute("DELETE FROM flyway_schema_history WHERE version = '" + NEWER_VERSION + "'");
            }
        }
    }
}
