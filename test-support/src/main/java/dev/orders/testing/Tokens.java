package dev.orders.testing;

import java.util.UUID;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * Bearer tokens signed with the test key pair (deploy/testing/jwt, named by each module's
 * {@code %test.smallrye.jwt.sign.key.location}), shaped as deploy/local/token mints them.
 */
public final class Tokens {
    public static final String ISSUER = "https://orders.local";
    /** The audience both APIs require ({@code mp.jwt.verify.audiences}). */
    public static final String AUDIENCE = "orders-api";
    public static final UUID OPS_SUBJECT = UUID.fromString("00000000-0000-4000-8000-0000000000ff");

    private Tokens() {
    }

    public static String customer(UUID id) {
        return "Bearer " + customerClaims(id).sign();
    }

    public static String ops() {
        return "Bearer " + opsClaims().sign();
    }

    /** A customer's claims (issuer, audience, 10 min to live; iat added at signing), for tests that change one. */
    public static JwtClaimsBuilder customerClaims(UUID id) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(id.toString()).upn(id.toString()).groups("customer")
                .expiresIn(600);
    }

    public static JwtClaimsBuilder opsClaims() {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(OPS_SUBJECT.toString()).upn("ops").groups("ops")
                .expiresIn(600);
    }
}
