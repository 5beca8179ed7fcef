package dev.orders.http.admission;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;

/**
 * The one deadline a request's dependency calls share: set when {@link AdmissionControl} admits the request, kept in
 * the request's duplicated Vert.x context, and read by whoever calls a database or Redis on the request's behalf.
 * Outside a request (start-up, scheduled work, tests calling beans directly) there is no deadline.
 */
public final class RequestDeadline {
    private static final String KEY = "orders.request.deadline";

    private RequestDeadline() {
    }

    /** This request's deadline passes at {@code atNanos} ({@link System#nanoTime()}). */
    static void startAt(long atNanos) {
        if (VertxContext.isOnDuplicatedContext()) {
            ContextLocals.put(KEY, atNanos);
        }
    }

    /** When this request's deadline passes ({@link System#nanoTime()}), or null outside a request. */
    private static Long deadline() {
        return VertxContext.isOnDuplicatedContext() ? ContextLocals.<Long> get(KEY).orElse(null) : null;
    }

    /** Time left for this request, at most {@code cap}; zero or negative when it has run out. */
    public static Duration remaining(Duration cap) {
        Long at = deadline();
        if (at == null) {
            return cap;
        }
        long left = at - System.nanoTime();
        return left < cap.toNanos() ? Duration.ofNanos(left) : cap;
    }

    /**
     * {@code call}, unless this request has no time left: then it fails with {@link DeadlineExceeded} without calling.
     * Unlike {@link #bound}, a call once started is not cancelled: for work that must end on its own terms (a
     * transaction rolls back or commits as a whole), while a fault-tolerance timeout answers the caller meanwhile.
     */
    public static <T> Uni<T> ifTimeLeft(Supplier<Uni<T>> call) {
        Long at = deadline();
        return at != null && at - System.nanoTime() <= 0 ? Uni.createFrom().failure(new DeadlineExceeded())
                : call.get();
    }

    /**
     * {@code call} bounded by the time this request has left: fails with {@link DeadlineExceeded} without calling at
     * all when nothing is left. Read on the current Vert.x context: the request's own, also inside a fault-tolerance
     * policy whose bulkhead queued the call (SmallRye FT resumes it on the context it was called on); the policy's
     * own timeout stays the dependency's.
     */
    public static <T> Uni<T> bound(Supplier<Uni<T>> call) {
        Long at = deadline();
        if (at == null) {
            return call.get();
        }
        long left = at - System.nanoTime();
        if (left <= 0) {
            return Uni.createFrom().failure(new DeadlineExceeded());
        }
        return call.get().ifNoItem().after(Duration.ofNanos(left)).failWith(DeadlineExceeded::new);
    }

    /** The request's deadline passed: the caller answers 503, and no breaker counts it against a dependency. */
    public static final class DeadlineExceeded extends TimeoutException {
        public DeadlineExceeded() {
            super("request deadline exceeded");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // thrown under load, stack never read
        }
    }
}
