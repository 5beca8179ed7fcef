package dev.orders.query.health;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Readiness of the one dependency reads cannot do without: the read primary, the fallback of every read (a replica or
 * Redis outage only degrades reads). It replaces Quarkus's datasource check, whose DOWN answer carries the driver's
 * error text; this one names the dependency and how it failed, nothing more.
 */
@Readiness
@ApplicationScoped
public class PrimaryReadiness implements AsyncHealthCheck {
    static final String NAME = "read primary";
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final Pool primary;

    public PrimaryReadiness(@ReactiveDataSource("primary") Pool primary) {
        this.primary = primary;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return primary.query("SELECT 1").execute()
                .ifNoItem().after(TIMEOUT).fail()
                .map(rows -> HealthCheckResponse.up(NAME))
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named(NAME).down()
                        .withData("dependency", "read database (primary, through PgBouncer)")
                        .withData("reason", e instanceof TimeoutException ? "no answer within " + TIMEOUT.toSeconds()
                                + " s" : "connection or query failed")
                        .build());
    }
}
