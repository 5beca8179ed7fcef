package dev.orders.http.dependency;

/**
 * A dependency (database, cache) could not do its part: it is down, restarting, out of connections, or gave up on a
 * lock or statement timeout. Not the client's fault and not a bug here: the API answers 503 with Retry-After, and the
 * breaker guarding the dependency counts it.
 */
public class DependencyUnavailable extends RuntimeException {
    public DependencyUnavailable(String what, Throwable cause) {
        super(what + " unavailable: " + cause.getMessage(), cause);
    }
}
