package dev.orders.query.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import dev.orders.http.problem.ProblemException;
import dev.orders.query.repository.OrderViewReads.Keyset;

/** Cursor keys by id: rotation keeps live cursors, a dropped or unknown key is a 400 naming the cursor. */
class CursorCodecTest {
    private static final String OLD = "old-secret-0123456789abcdef";
    private static final String NEW = "new-secret-0123456789abcdef";
    private static final String SCOPE = "orders|customer=c1|status=PAID";
    private final Keyset position = new Keyset(Instant.parse("2026-06-10T12:00:00.123456Z"), UUID.randomUUID());

    @Test
    void aCursorSignedWithAnOldStillConfiguredKeyDecodesAfterTheActiveKeyChanged() {
        String issued = codec("k1", Map.of("k1", OLD)).encode(SCOPE, position);
        CursorCodec rotated = codec("k2", Map.of("k1", OLD, "k2", NEW));
        assertEquals(position, rotated.decode(SCOPE, issued));
        // new cursors name the new key, and a pod still on the old active key (rolling update) reads them
        String next = rotated.encode(SCOPE, position);
        assertEquals(position, codec("k1", Map.of("k1", OLD, "k2", NEW)).decode(SCOPE, next));
    }

    @Test
    void aCursorOfADroppedOrUnknownKeyIs400NamingTheCursor() {
        String issued = codec("k1", Map.of("k1", OLD)).encode(SCOPE, position);
        ProblemException e = assertThrows(ProblemException.class,
                () -> codec("k2", Map.of("k2", NEW)).decode(SCOPE, issued));
        assertEquals(400, e.status());
        assertEquals("cursor", e.errors().get(0).field());
        assertTrue(e.getMessage().contains("key"), e.getMessage());
    }

    @Test
    void theSameKeyIdWithAnotherSecretDoesNotVerify() {
        String issued = codec("k1", Map.of("k1", OLD)).encode(SCOPE, position);
        assertEquals(400, assertThrows(ProblemException.class,
                () -> codec("k1", Map.of("k1", NEW)).decode(SCOPE, issued)).status());
        assertEquals(400, assertThrows(ProblemException.class,
                () -> codec("k1", Map.of("k1", OLD)).decode(SCOPE + "x", issued)).status());
    }

    @Test
    void cursorsFromBeforeKeyIdsStillDecodeWithTheirSecretListed() {
        String legacy = legacyCursor(OLD, SCOPE, position);
        assertEquals(position, codec("k2", Map.of("k1", OLD, "k2", NEW)).decode(SCOPE, legacy));
        assertThrows(ProblemException.class, () -> codec("k2", Map.of("k2", NEW)).decode(SCOPE, legacy));
    }

    @Test
    void aMissingActiveKeyOrAMalformedKeyStopsStartUp() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> codec("k3", Map.of("k1", OLD)));
        assertTrue(missing.getMessage().contains("ORDERS_CURSOR_KEYS_K3"), missing.getMessage());
        assertThrows(IllegalStateException.class, () -> codec("k1", Map.of("k1", "short")));
        assertThrows(IllegalStateException.class, () -> codec("K_1", Map.of("K_1", OLD)));
    }

    private static CursorCodec codec(String active, Map<String, String> keys) {
        return new CursorCodec(new CursorKeys() {
            @Override
            public String activeKey() {
                return active;
            }

            @Override
            public Map<String, String> keys() {
                return keys;
            }
        });
    }

    /** A cursor exactly as the codec wrote them before key ids (format 1). */
    private static String legacyCursor(String secret, String scope, Keyset position) {
        ByteBuffer buf = ByteBuffer.allocate(1 + 8 + 16 + 16);
        buf.put((byte) 1);
        Instant t = position.createdAt();
        buf.putLong(t.getEpochSecond() * 1_000_000 + t.getNano() / 1000);
        buf.putLong(position.id().getMostSignificantBits()).putLong(position.id().getLeastSignificantBits());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(scope.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            buf.put(Arrays.copyOf(mac.doFinal(Arrays.copyOf(buf.array(), 25)), 16));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
    }
}
