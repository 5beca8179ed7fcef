package dev.orders.command.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/**
 * The LISTEN connection's TLS follows its URL's sslmode and borrows the reactive datasource's CA and host-name check
 * (k8s prod: verify-full against CloudNativePG's CA); a plain URL (local stack, dev) stays plain.
 */
class OutboxListenerOptionsTest {

    @Test
    void aPlainUrlStaysPlain() {
        PgConnectOptions o = OutboxListener.connectOptions("postgresql://127.0.0.1:15432/orders_write", "orders", "pw",
                List.of("/etc/orders/postgres-ca/ca.crt"), "HTTPS");
        assertEquals(SslMode.DISABLE, o.getSslMode());
        assertNull(o.getTrustOptions());
        assertEquals("orders_write", o.getDatabase());
        assertEquals("orders", o.getUser());
    }

    @Test
    void verifyFullTrustsTheDatasourcesCaAndChecksTheHostName() {
        PgConnectOptions o = OutboxListener.connectOptions(
                "postgresql://orders-write-rw:5432/orders_write?sslmode=verify-full", "orders", "pw",
                List.of("/etc/orders/postgres-ca/ca.crt"), "HTTPS");
        assertEquals(SslMode.VERIFY_FULL, o.getSslMode());
        assertEquals("orders-write-rw", o.getHost());
        assertEquals(List.of("/etc/orders/postgres-ca/ca.crt"), ((PemTrustOptions) o.getTrustOptions()).getCertPaths());
        assertEquals("HTTPS", o.getHostnameVerificationAlgorithm());
    }

    @Test
    void withoutTheDatasourcesTlsSettingsNothingIsAdded() {
        PgConnectOptions o = OutboxListener.connectOptions(
                "postgresql://orders-write-rw:5432/orders_write?sslmode=verify-full", "orders", "pw", List.of(), "NONE");
        assertNull(o.getTrustOptions());
        assertNull(o.getHostnameVerificationAlgorithm());
    }
}
