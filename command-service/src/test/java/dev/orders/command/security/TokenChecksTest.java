package dev.orders.command.security;

import static dev.orders.command.OrderApi.as;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.orders.testing.DevData;
import dev.orders.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;

/**
 * Audience and maximum age (mp.jwt.verify.audiences, mp.jwt.verify.token.age = 3600 s) hold through platform-http's
 * VerifiedTokens cache: a token for another API, without an audience, or older than an hour is a 401 problem+json,
 * and a cached token stops being accepted when it reaches that age.
 */
@QuarkusTest
class TokenChecksTest {
    private static final long MAX_AGE = 3600;

    @Test
    void aTokenForThisAudienceIsAcceptedAlsoAmongOthers() {
        accepted(Tokens.customer(DevData.ADA));
        accepted("Bearer " + Tokens.customerClaims(DevData.ADA).audience(Set.of("billing-api", "orders-api"))
                .sign());
    }

    @Test
    void aTokenWithoutTheAudienceOrForAnotherIs401() {
        rejected("Bearer " + Jwt.issuer(Tokens.ISSUER).subject(DevData.ADA.toString()).groups("customer")
                .expiresIn(600).sign());
        rejected("Bearer " + Tokens.customerClaims(DevData.ADA).audience("billing-api").sign());
        rejected("Bearer " + Tokens.customerClaims(DevData.ADA).audience(Set.of("billing-api", "orders-api-x")).sign());
    }

    @Test
    void aTokenOlderThanTheMaximumAgeIs401WhateverItsExpiry() {
        long now = System.currentTimeMillis() / 1000;
        rejected("Bearer " + Tokens.customerClaims(DevData.ADA).issuedAt(now - MAX_AGE - 5).expiresAt(now + 3600)
                .sign());
        rejected("Bearer " + Tokens.opsClaims().issuedAt(now - 2 * MAX_AGE).expiresAt(now + 86_400).sign());
    }

    /** VerifiedTokens must not serve a token from its cache past the age smallrye-jwt would refuse it at. */
    @Test
    void aCachedTokenIsRefusedOnceItReachesTheMaximumAge() {
        long now = System.currentTimeMillis() / 1000;
        String token = "Bearer " + Tokens.customerClaims(DevData.ADA).issuedAt(now - MAX_AGE + 8)
                .expiresAt(now + 3600).sign();
        accepted(token);
        accepted(token);
        // it reaches the maximum age 8 s from now: from then on the cache must refuse it
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> as(token).get("/products?limit=1").statusCode() == 401);
        rejected(token);
    }

    private static void accepted(String token) {
        as(token).get("/products?limit=1").then().statusCode(200);
    }

    private static void rejected(String token) {
        as(token).get("/products?limit=1").then().statusCode(401).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:unauthorized"));
    }
}
