package dev.orders.projector.schema;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import dev.orders.testing.SchemaRollback;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** This build starts against a read schema a newer build has migrated further: a rollback does not crash-loop. */
@QuarkusTest
class SchemaRollbackTest {
    @Inject
    Flyway flyway;

    @Test
    void startsAfterAMigrationItDoesNotHave() throws Exception {
        SchemaRollback.assertAnOlderBuildMigrates(flyway);
    }
}
