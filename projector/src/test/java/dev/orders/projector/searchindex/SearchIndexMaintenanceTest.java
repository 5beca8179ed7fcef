package dev.orders.projector.searchindex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.orders.projector.store.OrderViewStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/**
 * The search index's pending lists are merged by the maintenance job, so that the upserts never meet a full one. Its
 * rows go to a partition of their own (March 2001) that nothing else writes, whose list the test can inspect.
 */
@QuarkusTest
@TestProfile(SearchIndexMaintenanceTest.NotScheduled.class)
class SearchIndexMaintenanceTest {
    public static class NotScheduled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orders.search-index.clean-every", "off"); // the test runs the job itself
        }
    }

    private static final String PARTITION = "order_view_p200103";

    @Inject
    SearchIndexMaintenance maintenance;
    @Inject
    OrderViewStore store;
    @Inject
    Pool db;

    @Test
    void theJobMergesEveryPartitionsPendingList() throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> store.ensurePartition(Instant.parse("2001-03-15T00:00:00Z")));
        // 200 orders through the pending list (fastupdate, the index's default): far below its 4 MB limit, so no
        // insert merges it
        scalar("""
                WITH ins AS (
                    INSERT INTO order_view (id, created_at, customer_id, customer_name, customer_email, status, version,
                                            updated_at, currency, total_cents, item_count, items, revision)
                    SELECT gen_random_uuid(), timestamptz '2001-03-15 12:00:00+00' + k * interval '1 minute',
                           gen_random_uuid(), 'Pendinglist Customer ' || k, 'pending' || k || '@example.com', 'PENDING',
                           1, now(), 'EUR', 100, 1,
                           jsonb_build_array(jsonb_build_object('name', 'Quokkaplush ' || k, 'quantity', 1)), 0
                      FROM generate_series(1, 200) k
                    RETURNING 1)
                SELECT count(*)::text FROM ins""");

        long merged = VertxContextSupport.subscribeAndAwait(() -> maintenance.clean());

        assertTrue(merged > 0, "the job merged the 200 orders' pending entries, not " + merged + " pages");
        assertEquals("0", scalar("SELECT gin_clean_pending_list(i.indexrelid::regclass)::text"
                + " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                + " JOIN pg_am a ON a.oid = c.relam AND a.amname = 'gin'"
                + " WHERE i.indrelid = '" + PARTITION + "'::regclass"), "nothing left pending in the partition's list");
    }

    @AfterEach
    void dropThePartition() {
        db.query("DROP TABLE IF EXISTS " + PARTITION).execute().await().atMost(Duration.ofSeconds(10));
    }

    private String scalar(String sql) {
        return db.query(sql).execute().await().atMost(Duration.ofSeconds(10)).iterator().next().getString(0);
    }
}
