package dev.orders.query.ratelimit;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.orders.http.problem.ProblemMappers;
import dev.orders.http.problem.ProblemType;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MultivaluedMap;
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

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(DECISION) instanceof RateLimiter.Decision d) {
            MultivaluedMap<String, Object> h = response.getHeaders();
            long reset = RateLimiter.ceilSeconds(d.resetMillis()).toSeconds();
            for (String prefix : new String[] { "", "X-" }) {
                h.putSingle(prefix + "RateLimit-Limit", d.limit());
                h.putSingle(prefix + "RateLimit-Remaining", d.remaining());
                h.putSingle(prefix + "RateLimit-Reset", reset);
            }
        }
    }

    private static String principalKey(SecurityIdentity id, HttpServerRequest http) {
        if (id != null && !id.isAnonymous()) {
            return "sub:" + id.getPrincipal().getName();
        }
        return "ip:" + (http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress());
    }
}
