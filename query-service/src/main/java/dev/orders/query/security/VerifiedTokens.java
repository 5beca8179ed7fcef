package dev.orders.query.security;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.smallrye.jwt.runtime.auth.MpJwtValidator;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A bounded cache of bearer tokens already verified, in front of smallrye-jwt's validator. Verifying an RS256
 * signature and parsing the claims was the largest CPU cost of a cached read (see BENCHMARKS.md); an API client
 * sends the same token on every request until it expires, so each distinct token is verified once per instance.
 *
 * <p>Keyed by the exact token string, so only a byte-identical token hits. An entry never outlives the token's
 * {@code exp} nor {@code orders.security.verified-token-ttl}; failures are never cached. Signed JWTs cannot be
 * revoked before they expire in this setup either way, so the cache changes no security property.
 */
@ApplicationScoped
public class VerifiedTokens implements IdentityProvider<TokenAuthenticationRequest> {
    private final MpJwtValidator validator;
    private final Cache<String, SecurityIdentity> verified;

    public VerifiedTokens(MpJwtValidator validator, MeterRegistry registry,
            @ConfigProperty(name = "orders.security.verified-tokens", defaultValue = "50000") long maxTokens,
            @ConfigProperty(name = "orders.security.verified-token-ttl", defaultValue = "PT5M") Duration maxTtl) {
        this.validator = validator;
        this.verified = Caffeine.newBuilder().maximumSize(maxTokens).recordStats()
                .expireAfter(Expiry.<String, SecurityIdentity> creating((token, identity) -> {
                    long exp = identity.getPrincipal() instanceof JsonWebToken jwt ? jwt.getExpirationTime() : 0;
                    long untilExp = TimeUnit.SECONDS.toNanos(exp) - TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
                    return Duration.ofNanos(Math.max(0, Math.min(untilExp, maxTtl.toNanos())));
                })).build();
        CaffeineCacheMetrics.monitor(registry, verified, "verified-tokens");
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    /** Ahead of smallrye-jwt's own provider, which it calls on a miss. */
    @Override
    public int priority() {
        return SYSTEM_FIRST;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        String token = request.getToken().getToken();
        SecurityIdentity known = verified.getIfPresent(token);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return validator.authenticate(request, context).invoke(identity -> {
            if (identity != null) {
                verified.put(token, identity);
            }
        });
    }
}
