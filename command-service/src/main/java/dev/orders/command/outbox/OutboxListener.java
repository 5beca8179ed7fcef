package dev.orders.command.outbox;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * LISTENs for {@code outbox_inserted} (sent by a trigger when an outbox insert commits) and wakes the relay, so rows
 * written by any replica are relayed within milliseconds instead of at the next poll. LISTEN is session state, which
 * transaction pooling cannot carry, so this one connection goes straight to Postgres, not through PgBouncer. It
 * reconnects on its own; while it is down the relay's poll still finds every row.
 */
@ApplicationScoped
public class OutboxListener {
    private static final Logger LOG = Logger.getLogger(OutboxListener.class);
    static final String CHANNEL = "outbox_inserted";

    private final Vertx vertx;
    private final OutboxRelay relay;
    private final String url;
    private final String user;
    private final String password;
    private final boolean enabled;
    private PgSubscriber subscriber;

    public OutboxListener(Vertx vertx, OutboxRelay relay, OutboxConfig config,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.vertx = vertx;
        this.relay = relay;
        this.url = config.listenUrl();
        this.user = user;
        this.password = password;
        this.enabled = config.listenEnabled();
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        subscriber = PgSubscriber.subscriber(vertx,
                PgConnectOptions.fromUri(url).setUser(user).setPassword(password));
        subscriber.reconnectPolicy(attempt -> 1000L); // keep trying every second; the poll covers the gap
        subscriber.channel(CHANNEL).handler(payload -> relay.nudge());
        subscriber.connect().subscribe().with(
                ok -> LOG.infof("listening for %s on %s", CHANNEL, url),
                e -> LOG.warnf("cannot LISTEN on %s yet (%s); relying on the poll until it connects", url, e));
    }

    void stop(@Observes ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.closeAndForget();
        }
    }
}
