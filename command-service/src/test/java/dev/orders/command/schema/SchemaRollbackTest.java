package dev.orders.command.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import dev.orders.testing.SchemaRollback;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** This build starts against a write schema a newer build has migrated further: a rollback does not crash-loop. */
@QuarkusTest
class SchemaRollbackTest {
    @Inject
    Flyway flyway;
    @Inject
    AgroalDataSource db;

    @Test
    void startsAfterAMigrationItDoesNotHave() throws Exception {
        SchemaRollback.withAMigrationFromANewerBuild(db, () -> {
            flyway.migrate(); // what start does (migrate-at-start); throws if validation refuses the newer migration
            assertEquals(SchemaRollback.NEWER_VERSION, flyway.info().current().getVersion().getVersion(),
                    "the newer migration stays recorded as the schema's current version");
        });
    }
}
