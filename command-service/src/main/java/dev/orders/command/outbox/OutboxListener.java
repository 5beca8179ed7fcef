package dev.orders.command.outbox;

import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * LISTENs for {@code outbox_inserted} (sent by a trigger when an outbox insert commits) and wakes the relay, so rows
 * written by any replica are relayed within milliseconds instead of at the next poll. LISTEN is session state, which
 * transaction pooling cannot carry, so this one connection goes straight to Postgres, not through PgBouncer. It
 * reconnects on its own; while it is down the relay's poll still finds every row.
 * <p>
 * TLS: the URL's {@code sslmode} decides (k8s prod: {@code verify-full}). The connection then trusts the CA and checks
 * the host name as the reactive datasource does ({@code quarkus.datasource.reactive.trust-certificate-pem.certs},
 * {@code hostname-verification-algorithm}): both reach the same Postgres cluster, whose CA signs the certificates of
 * its Services and of its PgBouncer Poolers.
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
    private final List<String> trustCerts;
    private final String hostnameVerification;
    private final boolean enabled;
    private PgSubscriber subscriber;

    public OutboxListener(Vertx vertx, OutboxRelay relay, OutboxConfig config,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") String password,
            @ConfigProperty(name = "quarkus.datasource.reactive.trust-certificate-pem", defaultValue = "false") boolean trustPem,
            @ConfigProperty(name = "quarkus.datasource.reactive.trust-certificate-pem.certs") Optional<List<String>> trustCerts,
            @ConfigProperty(name = "quarkus.datasource.reactive.hostname-verification-algorithm", defaultValue = "NONE") String hostnameVerification) {
        this.vertx = vertx;
        this.relay = relay;
        this.url = config.listenUrl();
        this.user = user;
        this.password = password;
        this.trustCerts = trustPem ? trustCerts.orElse(List.of()) : List.of();
        this.hostnameVerification = hostnameVerification;
        this.enabled = config.listenEnabled();
    }

    /**
     * The LISTEN connection's options: the URL (host, database, sslmode) and the login; when the URL asks for TLS, the
     * datasource's trusted CA certificates (PEM files) and host-name verification ({@code NONE}: none).
     */
    static PgConnectOptions connectOptions(String url, String user, String password, List<String> trustCerts,
            String hostnameVerification) {
        PgConnectOptions options = PgConnectOptions.fromUri(url).setUser(user).setPassword(password);
        if (options.getSslMode() != SslMode.DISABLE) {
            if (!trustCerts.isEmpty()) {
                PemTrustOptions pem = new PemTrustOptions();
                trustCerts.forEach(pem::addCertPath);
                options.setPemTrustOptions(pem);
            }
            if (!"NONE".equalsIgnoreCase(hostnameVerification)) {
                options.setHostnameVerificationAlgorithm(hostnameVerification);
            }
        }
        return options;
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        subscriber = PgSubscriber.subscriber(vertx,
                connectOptions(url, user, password, trustCerts, hostnameVerification));
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
