package dev.orders.http.context;

import java.util.concurrent.Executor;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Where a request's asynchronous work must continue: on its own Vert.x context, which carries its request context,
 * identity, trace and deadline. Work started or completed from another request (a shared refill, a bulkhead's queued
 * call started by the call that freed its place) would otherwise continue with that other request's.
 */
public final class CallerContext {
    private CallerContext() {
    }

    /**
     * An executor for {@code Uni.emitOn}: it runs tasks on the Vert.x context current now (at once when already
     * there, or when there is none), else schedules them on it.
     */
    public static Executor capture() {
        Context caller = Vertx.currentContext();
        return task -> {
            if (caller == null || Vertx.currentContext() == caller) {
                task.run();
            } else {
                caller.runOnContext(ignored -> task.run());
            }
        };
    }
}
