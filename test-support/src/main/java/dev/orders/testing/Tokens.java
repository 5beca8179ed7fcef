package dev.orders.testing;

import java.util.UUID;

import io.smallrye.jwt.build.Jwt;

/**
 * Bearer tokens signed with the test key pair (deploy/testing/jwt, named by each module's
 * {@code %test.smallrye.jwt.sign.key.location}), shaped as deploy/local/token mints them.
 */
public final class Tokens {
    private Tokens() {
    }

    public static String customer(UUID id) {
        return "Bearer " + Jwt.issuer("https://orders.local").subject(id.toString()).upn(id.toString())
                .groups("customer").expiresIn(600).sign();
    }

    public static String ops() {
        return "Bearer " + Jwt.issuer("https://orders.local").subject("00000000-0000-4000-8000-0000000000ff")
                .upn("ops").groups("ops").expiresIn(600).sign();
    }
}
