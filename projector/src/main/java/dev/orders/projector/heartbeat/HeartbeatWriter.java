package dev.orders.projector.heartbeat;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Stamps {@code projector_heartbeat.beat_at} on the read primary every second. Streaming replication carries the row
 * to each replica, where {@code now() - beat_at} is the replica's lag in time: query-service uses it to decide whether
 * a replica is fresh enough to serve.
 */
@ApplicationScoped
public class HeartbeatWriter {
    private static final Logger LOG = Logger.getLogger(HeartbeatWriter.class);
    private final Pool pool;

    public HeartbeatWriter(Pool pool) {
        this.pool = pool;
    }

    @Scheduled(every = "${orders.heartbeat.every:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> beat() {
        return pool.query("UPDATE projector_heartbeat SET beat_at = clock_timestamp() WHERE id = 1").execute()
                .onFailure().invoke(e -> LOG.debugf("heartbeat failed: %s", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }
}
