package dev.orders.projector.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.orders.projector.store.OrderViewStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/** Partitions older than the retention are detached (not dropped); premaking keeps the coming ones ready. */
@QuarkusTest
@TestProfile(PartitionRetentionTest.TwentyFiveYears.class)
class PartitionRetentionTest {
    public static class TwentyFiveYears implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("orders.partitions.retention", "300"); // months: only partitions before ~2001 expire
        }
    }

    @Inject
    PartitionMaintenance maintenance;
    @Inject
    OrderViewStore store;
    @Inject
    Pool db;

    @Test
    void expiredPartitionIsDetachedAndRenamedAndFuturePartitionsArePremade() throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> db.query("DROP TABLE IF EXISTS order_view_p200006_detached").execute());
        String name = VertxContextSupport.subscribeAndAwait(() -> store.ensurePartition(Instant.parse("2000-06-15T00:00:00Z")));
        assertEquals("order_view_p200006", name);

        int detached = VertxContextSupport.subscribeAndAwait(() -> maintenance.detachExpired());
        assertTrue(detached >= 1, "at least the 2000-06 partition expired");
        assertEquals("order_view_p200006_detached|false", scalar("""
                SELECT c.relname || '|' || c.relispartition FROM pg_class c WHERE c.relname = 'order_view_p200006_detached'"""));

        VertxContextSupport.subscribeAndAwait(() -> maintenance.premake());
        String nextMonth = Instant.now().plus(Duration.ofDays(40)).toString().substring(0, 7).replace("-", "");
        assertEquals("true", scalar("SELECT (to_regclass('order_view_p" + nextMonth + "') IS NOT NULL)::text"));
    }

    private String scalar(String sql) {
        return db.query(sql).execute().await().atMost(Duration.ofSeconds(5)).iterator().next().getString(0);
    }
}
