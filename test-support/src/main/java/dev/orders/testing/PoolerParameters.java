package dev.orders.testing;

import java.time.Duration;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

/**
 * What PgBouncer (transaction pooling) sends Postgres on a pool's behalf besides the pool's own statements. When a
 * client's startup parameters differ from the server connection it is lent, PgBouncer SETs them first, once per
 * transaction: the Vert.x client's DateStyle 'ISO' never equals the 'ISO, MDY' Postgres reports back, so every
 * transaction cost an extra round trip. The services ask for 'ISO, MDY'; these helpers let their tests show it.
 */
public final class PoolerParameters {
    private static final Duration QUERY = Duration.ofSeconds(5);
    /** pg_stat_statements of the pool's database, for the pool's own user (the one PgBouncer's SETs run as). */
    private static final String DATESTYLE_SETS = """
            SELECT coalesce(sum(calls), 0)::int8 FROM pg_stat_statements
             WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query ILIKE 'SET DateStyle%'""";

    private PoolerParameters() {
    }

    /**
     * How many {@code SET DateStyle} Postgres ran for {@code pool}'s user while the pool ran {@code transactions}
     * transactions (and the two reads of the statistics, through the same pool).
     */
    public static long dateStyleSets(Pool pool, int transactions) {
        long before = sets(pool);
        for (int i = 0; i < transactions; i++) {
            pool.withTransaction(conn -> conn.query("SELECT 1").execute()).await().atMost(QUERY);
        }
        return sets(pool) - before;
    }

    /** The control: a one-connection pool with the driver's own startup parameters (DateStyle 'ISO'). */
    public static Pool withDriverDefaults(Vertx vertx, String reactiveUrl, String user, String password) {
        PgConnectOptions options = PgConnectOptions.fromUri(reactiveUrl).setUser(user).setPassword(password)
                .setUseLayer7Proxy(true);
        return PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx)
                .build();
    }

    private static long sets(Pool pool) {
        return pool.query(DATESTYLE_SETS).execute().await().atMost(QUERY).iterator().next().getLong(0);
    }
}
