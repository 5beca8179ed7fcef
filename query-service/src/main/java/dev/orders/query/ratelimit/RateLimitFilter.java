package dev.orders.query.ratelimit;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

/**
 * Applies the rate limit to every API request, keyed by the authenticated principal (else the client IP) and the
 * route class, and puts the {@code RateLimit-*} / {@code X-RateLimit-*} headers on every response.
 */
public class RateLimitFilter {
    /** Route classes: contains-search is costlier than key lookups and gets its own, smaller budget. */
    static final String READ = "read";
    static final String SEARCH = "search";
    private static final String DECISION = RateLimitFilter.class.getName() + ".decision";

    private final RateLimiter limiter;
    private final RateLimitConfig config;
    private final CurrentIdentityAssociation identity;

    public RateLimitFilter(RateLimiter limiter, RateLimitConfig config, CurrentIdentityAssociation identity) {
        this.limiter = limiter;
        this.config = config;
        this.identity = identity;
    }

    @ServerRequestFilter
    public Uni<Response> limit(ContainerRequestContext request, HttpServerRequest http) {
        if (!config.enabled()) {
            return Uni.createFrom().nullItem();
        }
        String routeClass = request.getUriInfo().getPath().startsWith("/orders/search") ? SEARCH : READ;
        return identity.getDeferredIdentity()
                .onFailure().recoverWithNull() // a bad token is limited by IP; the resource then answers 401
                .map(id -> principalKey(id, http))
                .chain(key -> limiter.acquire(key, routeClass))
                .map(decision -> {
                    request.setProperty(DECISION, decision);
                    if (decision.allowed()) {
                        return null;
                    }
                    Response.ResponseBuilder tooMany = Response.fromResponse(ProblemMappers.problem(429,
                            ProblemType.RATE_LIMITED, "rate limit of " + decision.limit() + " requests per "
                                    + limiter.rule(routeClass).window() + " exceeded for " + routeClass + " requests",
                            request.getUriInfo().getPath()));
                    tooMany.header("Retry-After", RateLimiter.ceilSeconds(decision.resetMillis()).toSeconds());
                    return tooMany.build();
                });
    }

    /** Both spellings of the three headers, as Netty header names encoded once. */
    private static final CharSequence[] LIMIT = names("RateLimit-Limit");
    private static final CharSequence[] REMAINING = names("RateLimit-Remaining");
    private static final CharSequence[] RESET = names("RateLimit-Reset");

    /**
     * Written on the Vert.x response, not through JAX-RS's header map: that map is a case-insensitive tree whose
     * values RESTEasy converts again when it writes them, and six of them cost about 2 % of a cached read's CPU.
     */
    @ServerResponseFilter
    public void headers(ContainerRequestContext request, HttpServerResponse response) {
        if (request.getProperty(DECISION) instanceof RateLimiter.Decision d) {
            String limit = Long.toString(d.limit());
            String remaining = Long.toString(d.remaining());
            String reset = Long.toString(RateLimiter.ceilSeconds(d.resetMillis()).toSeconds());
            MultiMap h = response.headers();
            for (int i = 0; i < 2; i++) {
                h.set(LIMIT[i], limit).set(REMAINING[i], remaining).set(RESET[i], reset);
            }
        }
    }

    private static CharSequence[] names(String name) {
        return new CharSequence[] { HttpHeaders.createOptimized(name), HttpHeaders.createOptimized("X-" + name) };
    }

    private static String principalKey(SecurityIdentity id, HttpServerRequest http) {
        if (id != null && !id.isAnonymous()) {
            return "sub:" + id.getPrincipal().getName();
        }
        return "ip:" + (http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress());
    }
}
