package dev.orders.http.security;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;

/**
 * smallrye-jwt's parser with a bounded cache of tokens it already verified, in both APIs. Verifying an RS256
 * signature and parsing the claims was about half the CPU of a cached read and a few per cent of a write
 * (BENCHMARKS.md, "Where the time goes"); an API client sends the same token on every request until it expires, so
 * each distinct token is verified once per instance.
 *
 * <p>Keyed by the exact token string, so only a byte-identical token hits; an entry never outlives the token's
 * {@code exp}, its maximum age ({@code iat} + {@code mp.jwt.verify.token.age}) nor
 * {@code orders.security.verified-token-ttl}; failures are never cached. Every other check (signature, issuer,
 * audience) is smallrye-jwt's own, made before a token enters the cache. Signed JWTs cannot be revoked
 * before they expire in this setup either way, so the cache changes no security property. Replaces the default
 * parser (a CDI alternative) so that smallrye-jwt's own validator, mechanism and checks stay as they are.
 */
@ApplicationScoped
@Alternative
@Priority(1)
public class VerifiedTokens extends DefaultJWTParser {
    private final Cache<String, JsonWebToken> verified;

    @Inject
    public VerifiedTokens(MeterRegistry registry, SecurityConfig config, JWTAuthContextInfo jwtConfig) {
        Duration maxTtl = config.verifiedTokenTtl();
        Long maxAge = jwtConfig.getTokenAge(); // seconds; smallrye-jwt then requires iat
        this.verified = Caffeine.newBuilder().maximumSize(config.verifiedTokens()).recordStats()
                .expireAfter(Expiry.<String, JsonWebToken> creating((token, jwt) -> {
                    long until = jwt.getExpirationTime();
                    if (maxAge != null) {
                        until = Math.min(until, jwt.getIssuedAtTime() + maxAge);
                    }
                    long nanos = TimeUnit.SECONDS.toNanos(until) - TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
                    return Duration.ofNanos(Math.max(0, Math.min(nanos, maxTtl.toNanos())));
                })).build();
        CaffeineCacheMetrics.monitor(registry, verified, "verified-tokens");
    }

    /** For CDI's client proxy only. */
    protected VerifiedTokens() {
        this.verified = null;
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        JsonWebToken known = verified.getIfPresent(token);
        if (known != null) {
            return known;
        }
        JsonWebToken jwt = super.parse(token);
        verified.put(token, jwt);
        return jwt;
    }
}
