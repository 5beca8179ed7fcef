package dev.orders.command.health;

import java.time.Duration;
import java.util.List;

import dev.orders.command.service.WriteDatabaseGuard;
import dev.orders.http.dependency.OutageMemory;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Asks the write database (through the same pool and PgBouncer as the writes) whether it answers, every
 * {@code orders.write-db.check-every}: the first answer after a miss ends an outage, and the write breaker forgets the
 * failures the outage left in its window ({@link OutageMemory}), so the first writes after it are not cut off by
 * them. Readiness could not do this: nothing calls it outside Kubernetes, and there only every few seconds.
 */
@ApplicationScoped
public class WriteDatabaseCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final Pool pool;
    private final OutageMemory outages;

    public WriteDatabaseCheck(Pool pool, CircuitBreakerMaintenance breakers, MeterRegistry registry) {
        this.pool = pool;
        this.outages = new OutageMemory("write-database", List.of(WriteDatabaseGuard.BREAKER), breakers, registry);
    }

    @Scheduled(every = "${orders.write-db.check-every:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> check() {
        return pool.query("SELECT 1").execute().ifNoItem().after(TIMEOUT).fail()
                .map(rows -> true).onFailure().recoverWithItem(false)
                .invoke(outages::checked).replaceWithVoid();
    }
}
