package dev.orders.http.admission;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;

/**
 * The one deadline a request's dependency calls share: set when {@link AdmissionControl} admits the request, kept in
 * the request's duplicated Vert.x context, and read by whoever calls a database or Redis on the request's behalf.
 * Outside a request (start-up, scheduled work, tests calling beans directly) there is no deadline and
 * {@link #remaining()} answers {@code fallback}.
 */
public final class RequestDeadline {
    private static final String KEY = "orders.request.deadline";

    private RequestDeadline() {
    }

    static void start(long budgetNanos) {
        if (VertxContext.isOnDuplicatedContext()) {
            ContextLocals.put(KEY, System.nanoTime() + budgetNanos);
        }
    }

    /** Time left for this request, at most {@code cap}; zero or negative when it has run out. */
    public static Duration remaining(Duration cap) {
        if (!VertxContext.isOnDuplicatedContext()) {
            return cap;
        }
        Long at = ContextLocals.<Long> get(KEY).orElse(null);
        if (at == null) {
            return cap;
        }
        long left = at - System.nanoTime();
        return left < cap.toNanos() ? Duration.ofNanos(left) : cap;
    }

    /**
     * {@code call} bounded by the time left (at most {@code cap}): fails with {@link DeadlineExceeded} without
     * calling at all when nothing is left.
     */
    public static <T> Uni<T> bound(Duration cap, java.util.function.Supplier<Uni<T>> call) {
        Duration left = remaining(cap);
        if (left.isNegative() || left.isZero()) {
            return Uni.createFrom().failure(new DeadlineExceeded());
        }
        return call.get().ifNoItem().after(left).failWith(DeadlineExceeded::new);
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
