package dev.orders.projector.searchindex;

import org.jboss.logging.Logger;

import dev.orders.projector.store.OrderViewStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Merges the search index's pending lists into the index every few seconds, on a connection of its own, so that no
 * apply transaction has to: the upsert that finds a GIN pending list over its 4 MB limit merges all of it before it
 * returns, which stalled one consumer's partitions for 50 ms to 1 s every 10-20 s under write load (see
 * {@code V9__clean_search_pending_lists.sql} for the measurements and the alternatives).
 */
@ApplicationScoped
public class SearchIndexMaintenance {
    private static final Logger LOG = Logger.getLogger(SearchIndexMaintenance.class);

    private final Pool pool;
    private final String table;
    private final Counter merged;

    public SearchIndexMaintenance(Pool pool, OrderViewStore store, MeterRegistry registry) {
        this.pool = pool;
        this.table = store.orderViewTable();
        this.merged = registry.counter("projector.search_index.pending_pages_merged");
    }

    @Scheduled(every = "${orders.search-index.clean-every:2s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> scheduled() {
        return clean().onFailure().invoke(e -> LOG.debugf("search index pending lists not merged: %s", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Merges every pending list of the target table's partitions; returns the pending pages merged. */
    public Uni<Long> clean() {
        return pool.preparedQuery("SELECT clean_search_pending_lists($1::regclass)").execute(Tuple.of(table))
                .map(rows -> rows.iterator().next().getLong(0))
                .invoke(pages -> merged.increment(pages));
    }
}
