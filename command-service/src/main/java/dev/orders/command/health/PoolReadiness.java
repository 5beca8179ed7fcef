package dev.orders.command.health;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Readiness of the one connection pool this service cannot work without: the reactive pool (through PgBouncer in front of the write primary).
 *
 * <p>It replaces Quarkus's default datasource checks, which application.properties turns off for this datasource
 * ({@code quarkus.datasource.health-exclude=true}): they would also check the JDBC pool, which only Flyway uses (in
 * the migrate init container). That check opens a connection straight to Postgres, past PgBouncer, that every pod
 * then keeps for good (probes every 5 s outrun the pool's idle removal) outside the connection budget, and it
 * takes the pod out of service when only the direct path is down although requests still flow through PgBouncer.
 */
@Readiness
@ApplicationScoped
public class PoolReadiness implements AsyncHealthCheck {
    static final String NAME = "Reactive PostgreSQL pool";
    static final String DEPENDENCY = "write database";
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final Pool pool;

    public PoolReadiness(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(TIMEOUT).fail()
                .map(rows -> HealthCheckResponse.up(NAME))
                // which dependency and how it failed, never the driver's text (hosts, users, SQL): probes are logged
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named(NAME).down()
                        .withData("dependency", DEPENDENCY)
                        .withData("reason", e instanceof TimeoutException ? "no answer within " + TIMEOUT.toSeconds()
                                + " s" : "connection or query failed")
                        .build());
    }
}
